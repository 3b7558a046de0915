using AngleSharp.Css.Dom;
using AngleSharp.Css.Parser;

namespace SelfService.Tests.Web;

/// <summary>
/// The app's stylesheets, read by a real CSS parser (AngleSharp.Css) and by a scanner that keeps source positions.
/// A block left open at the end of a file is legal CSS — the browser closes it silently — so the parser alone
/// does not fail on it: the end-of-file error does, and so do rules written as top-level rules (at column 1)
/// that the parser finds inside an at-rule, which is how 97 desktop selectors once ended up phone-only.
/// </summary>
public sealed class StylesheetTests
{
    public static TheoryData<string> Stylesheets()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(WebRoot, "*.css", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}lib{Path.DirectorySeparatorChar}")))
            data.Add(Path.GetRelativePath(WebRoot, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Stylesheets))]
    public void Stylesheet_ParsesWithoutErrors_AndClosesEveryBlock(string file)
    {
        var problems = CheckStylesheet(File.ReadAllText(Path.Combine(WebRoot, file)));
        Assert.True(problems.Count == 0, $"{file}:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Check_FailsOnAMediaBlockLeftOpen_AndOnRulesSwallowedByIt()
    {
        const string css = """
            .a { color: red; }
            @media (max-width: 640px) {
                .a { color: blue; }
            .b { display: grid; }
            .c { margin: 0; }
            """;
        var problems = CheckStylesheet(css);
        Assert.Contains(problems, p => p.Contains("line 2", StringComparison.Ordinal) && p.Contains("never closed", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("line 4", StringComparison.Ordinal) && p.Contains(".b", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("line 5", StringComparison.Ordinal) && p.Contains(".c", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains("line 3", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_FailsOnAStrayClosingBrace_AndOnADeclarationTheParserDrops()
    {
        Assert.Contains(CheckStylesheet(".a { color: red; } }\n.b { color: blue; }\n"), p => p.Contains("line 1", StringComparison.Ordinal) && p.Contains("closes nothing", StringComparison.Ordinal));
        Assert.Contains(CheckStylesheet(".a { color red; }\n"), p => p.Contains("line 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_AcceptsAClosedMediaBlock()
    {
        Assert.Empty(CheckStylesheet(".a { color: red; }\n@media (max-width: 640px) {\n    .a { color: blue; }\n}\n.b { margin: 0; }\n"));
    }

    private static string WebRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SelfService.sln"))) dir = dir.Parent;
            return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("SelfService.sln not found above the test folder"), "src", "SelfService.Web", "wwwroot");
        }
    }

    /// <summary>Every problem in the text, each naming its line.</summary>
    public static List<string> CheckStylesheet(string css)
    {
        var problems = new List<string>();
        var parser = new CssParser(new CssParserOptions { IsIncludingUnknownDeclarations = true, IsIncludingUnknownRules = true });
        parser.Error += (_, e) =>
        {
            if (e is AngleSharp.Css.Dom.Events.CssErrorEvent error)
                problems.Add($"line {error.Position.Line}: {(error.Code == (int)CssParseError.EOF ? "the file ends inside a block (a block never closed)" : $"the parser reports {(CssParseError)error.Code}")}");
        };
        var sheet = parser.ParseStyleSheet(css);

        var blocks = Scan(css, problems);
        var parsedTop = sheet.Rules.Length;
        var scannedTop = blocks.Count(b => b.Depth == 0);
        if (parsedTop != scannedTop)
            problems.Add($"line 1: the parser reads {parsedTop} top-level rules where the text has {scannedTop}");

        // A rule is written at the indentation of its nesting: flush left at top level, indented inside an at-rule.
        // One flush left inside an at-rule was meant for every screen.
        foreach (var b in blocks.Where(b => b.Depth > 0 && b.Column == 1))
            problems.Add($"line {b.Line}: \"{b.Prelude}\" is written as a top-level rule but sits inside \"{b.Parent}\" (a block left open above it?)");
        foreach (var media in sheet.Rules.OfType<ICssMediaRule>().Where(m => m.Rules.Length == 0))
            problems.Add($"line ?: @media {media.ConditionText} is empty");
        return problems;
    }

    private sealed record Block(string Prelude, int Line, int Column, int Depth, string? Parent);

    /// <summary>Braces outside comments and strings, with the line and column where each block's prelude starts.</summary>
    private static List<Block> Scan(string css, List<string> problems)
    {
        var blocks = new List<Block>();
        var open = new Stack<Block>();
        int line = 1, column = 1, preludeStart = -1, preludeLine = 0, preludeColumn = 0;
        for (var i = 0; i < css.Length; i++)
        {
            var c = css[i];
            if (c == '/' && i + 1 < css.Length && css[i + 1] == '*')
            {
                var end = css.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (end < 0) { problems.Add($"line {line}: a comment is never closed"); break; }
                Advance(css, i, end + 2, ref line, ref column);
                i = end + 1;
                continue;
            }
            if (c is '"' or '\'')
            {
                var end = i + 1;
                while (end < css.Length && css[end] != c && css[end] != '\n') end += css[end] == '\\' ? 2 : 1;
                Advance(css, i, Math.Min(end + 1, css.Length), ref line, ref column);
                i = end;
                continue;
            }
            if (c == '{')
            {
                var prelude = preludeStart < 0 ? "" : css[preludeStart..i].Trim();
                var block = new Block(prelude, preludeLine, preludeColumn, open.Count, open.TryPeek(out var parent) ? parent.Prelude : null);
                blocks.Add(block);
                open.Push(block);
                preludeStart = -1;
            }
            else if (c == '}')
            {
                if (!open.TryPop(out _)) problems.Add($"line {line}: a closing brace closes nothing");
                preludeStart = -1;
            }
            else if (c == ';')
            {
                preludeStart = -1;
            }
            else if (!char.IsWhiteSpace(c) && preludeStart < 0)
            {
                (preludeStart, preludeLine, preludeColumn) = (i, line, column);
            }
            if (c == '\n') { line++; column = 1; } else column++;
        }
        foreach (var b in open)
            problems.Add($"line {b.Line}: \"{b.Prelude}\" is never closed");
        return blocks;
    }

    private static void Advance(string text, int from, int to, ref int line, ref int column)
    {
        for (var i = from; i < to; i++)
            if (text[i] == '\n') { line++; column = 1; } else column++;
    }
}
