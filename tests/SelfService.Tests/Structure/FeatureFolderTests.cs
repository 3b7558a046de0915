using System.Text.RegularExpressions;
using SelfService.Tests.Data;

namespace SelfService.Tests.Structure;

/// <summary>
/// The feature folders of src/SelfService.Web depend on each other without a loop, so each can be read, changed and
/// tested from the folders below it. A folder depends on another when one of its files names the other's namespace:
/// a <c>using SelfService.X</c> line or a fully qualified <c>SelfService.X.Type</c> (comments are ignored).
/// </summary>
public sealed partial class FeatureFolderTests
{
    private static readonly string Source = Path.Combine(SqlServerScriptTests.RepoRoot, "src", "SelfService.Web");

    /// <summary>Not features: Razor pages sit on top of every feature; the rest holds no C#.</summary>
    private static readonly HashSet<string> NotFeatures = ["Pages", "bin", "obj", "wwwroot", "Properties", "build", "data"];

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comments();

    [GeneratedRegex(@"\bSelfService\.([A-Z][A-Za-z0-9]*)")]
    private static partial Regex NamespaceUse();

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    private static IReadOnlyList<string> Features() =>
        Directory.GetDirectories(Source).Select(Path.GetFileName).Where(d => !NotFeatures.Contains(d!)).Order(StringComparer.Ordinal).ToList()!;

    private static IEnumerable<string> Files(string feature) => Directory.GetFiles(Path.Combine(Source, feature), "*.cs", SearchOption.AllDirectories);

    /// <summary>Folder → the folders it depends on, each with one file that shows it.</summary>
    public static Dictionary<string, Dictionary<string, string>> Graph()
    {
        var features = Features().ToHashSet(StringComparer.Ordinal);
        var graph = features.ToDictionary(f => f, _ => new Dictionary<string, string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var feature in features)
        {
            foreach (var file in Files(feature))
            {
                var code = Comments().Replace(File.ReadAllText(file), "");
                foreach (Match m in NamespaceUse().Matches(code))
                {
                    var other = m.Groups[1].Value;
                    if (other != feature && features.Contains(other)) graph[feature].TryAdd(other, Path.GetRelativePath(Source, file));
                }
            }
        }
        return graph;
    }

    /// <summary>A loop in <paramref name="graph"/> as the path that closes it (A → B → A), or null.</summary>
    public static List<string>? FindCycle(IReadOnlyDictionary<string, IReadOnlyCollection<string>> graph)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1: on the path, 2: done
        var path = new List<string>();
        List<string>? cycle = null;

        void Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node, []).Order(StringComparer.Ordinal))
            {
                if (cycle is not null) return;
                if (state.GetValueOrDefault(next) == 1) cycle = [.. path.SkipWhile(n => n != next), next];
                else if (state.GetValueOrDefault(next) == 0) Visit(next);
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
        }

        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
            if (cycle is null && state.GetValueOrDefault(node) == 0) Visit(node);
        return cycle;
    }

    [Fact]
    public void FeatureFolders_FormNoDependencyLoop()
    {
        var graph = Graph();
        Assert.True(graph.Count >= 10, $"only {graph.Count} feature folders found under {Source}");
        var cycle = FindCycle(graph.ToDictionary(g => g.Key, g => (IReadOnlyCollection<string>)g.Value.Keys.ToList()));
        Assert.True(cycle is null, cycle is null ? "" :
            "Feature folders depend on each other in a loop: " + string.Join(" → ", cycle) + "\n" +
            string.Join("\n", cycle.Zip(cycle.Skip(1), (a, b) => $"  {a} → {b}: {graph[a][b]}")));
    }

    [Fact]
    public void FindCycle_NamesTheLoop_AndNoneInALayeredGraph()
    {
        var loop = new Dictionary<string, IReadOnlyCollection<string>> { ["Audit"] = ["Operator"], ["Operator"] = ["Catalog", "Audit"], ["Catalog"] = [] };
        Assert.Equal(["Audit", "Operator", "Audit"], FindCycle(loop));
        var layered = new Dictionary<string, IReadOnlyCollection<string>> { ["Pages"] = ["Audit", "Catalog"], ["Audit"] = ["Catalog"], ["Catalog"] = [] };
        Assert.Null(FindCycle(layered));
    }

    [Fact]
    public void Graph_ReadsUsingLines_AndFullyQualifiedNames_NotComments()
    {
        var code = Comments().Replace("using SelfService.Metering;\n// SelfService.Audit in a comment\nvar x = new SelfService.Catalog.Feature();", "");
        Assert.Equal(["Metering", "Catalog"], NamespaceUse().Matches(code).Select(m => m.Groups[1].Value));
    }

    [Fact]
    public void Shared_DependsOnNoFeature()
    {
        var shared = Graph()["Shared"];
        Assert.True(shared.Count == 0, "Shared is the bottom of every feature, yet names " +
            string.Join(", ", shared.Select(d => $"{d.Key} ({d.Value})")));
    }

    /// <summary>The graph is only as true as the namespaces: a file declares the namespace of the folder it is in.</summary>
    [Fact]
    public void EveryFile_DeclaresItsFoldersNamespace()
    {
        var wrong = Features().SelectMany(feature => Files(feature)
                .Select(file => (file, declared: NamespaceDeclaration().Match(File.ReadAllText(file)).Groups[1].Value))
                .Where(x => x.declared != $"SelfService.{feature}")
                .Select(x => $"{Path.GetRelativePath(Source, x.file)} declares '{x.declared}'"))
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}
