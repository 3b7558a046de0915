using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Staff.Customers;

public abstract class IndexTests(AppFactory app)
{
    [SkippableFact]
    public async Task Get_FindsCustomersByKeyOrName()
    {
        var client = await OperatorClient.SignIn(app);

        var byName = await client.GetDocument("/vendor/customers?q=umbrella%20fil");
        var match = Assert.Single(byName.AllByTestId("match"));
        Assert.Equal("umbrella", match.GetAttribute("data-key"));
        Assert.Equal("/vendor/customers/umbrella", match.QuerySelector("a")!.GetAttribute("href"));

        var all = await client.GetDocument("/vendor/customers");
        Assert.Equal(5, all.AllByTestId("match").Count());
    }

    [SkippableFact]
    public async Task Get_NoMatch_SaysWhatWasSearched()
    {
        var client = await OperatorClient.SignIn(app);
        var page = await client.GetDocument("/vendor/customers?q=wayne");
        Assert.Empty(page.AllByTestId("match"));
        Assert.Contains("wayne", page.ByTestId("no-matches").Text());
    }
}

public sealed class SqliteIndexTests(SqliteApp app) : IndexTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlIndexTests(PostgreSqlApp app) : IndexTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerIndexTests(SqlServerApp app) : IndexTests(app), IClassFixture<SqlServerApp>;
