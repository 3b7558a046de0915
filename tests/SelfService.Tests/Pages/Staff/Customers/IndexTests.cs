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

/// <summary>The customer list past one page: every customer once, by name and key, the search kept in the links.</summary>
public abstract class CustomerListPagingTests(AppFactory app)
{
    [SkippableFact]
    public async Task List_OfMoreThanTwoHundredCustomers_PagesThroughEachOnce_KeepingTheSearch()
    {
        await LongListKit.Customers(app, 230, app.Now);
        var client = await OperatorClient.SignIn(app);

        var all = await LongListKit.AllPages(client, "/vendor/customers", "match", m => m.GetAttribute("data-key")!);
        var keys = LongListKit.AssertNoDuplicates(all).ToList();
        Assert.Equal(235, keys.Count); // and the demo's five
        Assert.Equal("41–80 of 235", all[1].Range);
        Assert.Equal("paging-001", keys[keys.IndexOf("paging-000") + 1]); // same name: by key

        var searched = await LongListKit.AllPages(client, "/vendor/customers?q=Paging+co", "match", m => m.GetAttribute("data-key")!);
        Assert.Equal(Enumerable.Range(0, 230).Select(i => $"paging-{i:000}"), LongListKit.AssertNoDuplicates(searched));
        Assert.All(searched.Skip(1), p => Assert.Contains("q=Paging", p.Url, StringComparison.Ordinal));
        Assert.Equal(6, searched.Count);

        var past = await client.GetDocument("/vendor/customers?q=paging&p=77");
        Assert.Contains("There are only 6 pages", past.ByTestId("page-message").Text());
        Assert.Equal(30, past.AllByTestId("match").Count());
        var junk = await client.GetDocument("/vendor/customers?p=-1");
        Assert.Contains("not a page number", junk.ByTestId("page-message").Text());
        Assert.Equal(40, junk.AllByTestId("match").Count());
    }
}

public sealed class SqliteCustomerListPagingTests(SqliteApp app) : CustomerListPagingTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlCustomerListPagingTests(PostgreSqlApp app) : CustomerListPagingTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerCustomerListPagingTests(SqlServerApp app) : CustomerListPagingTests(app), IClassFixture<SqlServerApp>;
