using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages;

public abstract class StatusTests(AppFactory app)
{
    [SkippableTheory]
    [InlineData(404, "Page not found")]
    [InlineData(403, "Not allowed")]
    [InlineData(500, "Something went wrong")]
    public async Task Get_NamesWhatHappened_WithoutSigningIn(int code, string title)
    {
        var page = await PageClient.Anonymous(app).GetDocument($"/status?code={code}");
        Assert.Equal(title, page.QuerySelector("main h1")!.Text());
        Assert.Equal("/", page.QuerySelector("main a[href='/']")!.GetAttribute("href"));
    }

    [SkippableFact]
    public async Task AnUnknownAddress_Answers404_WithTheStatusPage()
    {
        var response = await PageClient.Anonymous(app).Get("/no-such-page");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        var page = await PageClient.Parse(response);
        Assert.Equal("Page not found", page.QuerySelector("main h1")!.Text());
        Assert.Contains("not yours to see", page.QuerySelector("main")!.Text());
    }
}

public sealed class SqliteStatusTests(SqliteApp app) : StatusTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlStatusTests(PostgreSqlApp app) : StatusTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerStatusTests(SqlServerApp app) : StatusTests(app), IClassFixture<SqlServerApp>;
