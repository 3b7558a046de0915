using SelfService.Tests.Data;

namespace SelfService.Tests.Structure;

/// <summary>
/// Tests as a map of the product: every Razor page <c>src/SelfService.Web/Pages/&lt;area&gt;/&lt;Page&gt;.cshtml</c> has its
/// test file at the mirrored path, <c>tests/SelfService.Tests/Pages/&lt;area&gt;/&lt;Page&gt;Tests.cs</c>.
/// Tests across many pages (customer scope, operator access) live beside them under names of their own.
/// </summary>
public sealed class PageTestMapTests
{
    private static readonly string PagesFolder = Path.Combine(SqlServerScriptTests.RepoRoot, "src", "SelfService.Web", "Pages");
    private static readonly string TestsFolder = Path.Combine(SqlServerScriptTests.RepoRoot, "tests", "SelfService.Tests", "Pages");

    /// <summary>Every page but partials and layouts (<c>_Name.cshtml</c>).</summary>
    public static TheoryData<string> Pages() => new(Directory.GetFiles(PagesFolder, "*.cshtml", SearchOption.AllDirectories)
        .Where(f => !Path.GetFileName(f).StartsWith('_'))
        .Select(f => Path.GetRelativePath(PagesFolder, f)[..^".cshtml".Length].Replace('\\', '/'))
        .Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Pages))]
    public void EveryPage_HasItsTestFile_AtTheMirroredPath(string page)
    {
        var test = Path.Combine(TestsFolder, page + "Tests.cs");
        Assert.True(File.Exists(test), $"Pages/{page}.cshtml has no test at tests/SelfService.Tests/Pages/{page}Tests.cs");
    }

    [Fact]
    public void EveryPageIsFound()
    {
        Assert.True(Pages().Count >= 30, "the page list is read from src/SelfService.Web/Pages");
    }
}
