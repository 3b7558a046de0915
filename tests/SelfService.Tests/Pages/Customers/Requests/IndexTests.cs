using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Customers.Requests;

public abstract class IndexTests(AppFactory app)
{
    [SkippableFact]
    public async Task Get_NoRequests_SaysNothingIsPending_AndOffersANewRequest()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.HooliOwner);
        var page = await client.GetDocument("/customers/hooli/requests");

        Assert.Equal("Nothing pending.", page.ByTestId("pending-count").Text());
        Assert.NotNull(page.QuerySelector("[data-testid=no-requests]"));
        Assert.Equal("/customers/hooli/requests/new", page.ByTestId("new-request").GetAttribute("href"));
        Assert.Null(page.QuerySelector("[data-testid=ending-soon]"));
    }

    [SkippableFact]
    public async Task Get_AGrantEndingSoon_IsListed_WithAOneClickExtension()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.UmbrellaOwner);
        var page = await client.GetDocument("/customers/umbrella/requests");

        var ending = Assert.Single(page.AllByTestId("ending-grant"));
        Assert.Contains("4K streaming", ending.Text());
        Assert.StartsWith("Ask to extend", ending.ByTestId("extend").Text());
    }
}

public sealed class SqliteIndexTests(SqliteApp app) : IndexTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlIndexTests(PostgreSqlApp app) : IndexTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerIndexTests(SqlServerApp app) : IndexTests(app), IClassFixture<SqlServerApp>;
