using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Staff.Catalog;

public abstract class IndexTests(AppFactory app)
{
    [SkippableFact]
    public async Task Get_ListsFeaturesPlansAndAddOns_WithTheSubscriptionsOnEach()
    {
        var client = await OperatorClient.SignIn(app);
        var page = await client.GetDocument("/vendor/catalog");

        Assert.NotNull(page.QuerySelector("[data-testid=features] [data-testid=feature][data-handle=api-calls]"));
        Assert.Equal("2 subscriptions", page.QuerySelector("[data-testid=plan-version][data-code=business] [data-testid=subscriptions]")!.Text());
        Assert.Equal("none", page.QuerySelector("[data-testid=plan-version][data-code=premium] [data-testid=subscriptions]")!.Text());
        Assert.Equal("1 subscription", page.QuerySelector("[data-testid=addon-version][data-code=extra-seats] [data-testid=subscriptions]")!.Text());
        Assert.Equal("/vendor/catalog/plans", page.ByTestId("new-plan").GetAttribute("href"));
        Assert.Equal("/vendor/catalog/add-ons", page.ByTestId("new-addon").GetAttribute("href"));
    }
}

public sealed class SqliteIndexTests(SqliteApp app) : IndexTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlIndexTests(PostgreSqlApp app) : IndexTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerIndexTests(SqlServerApp app) : IndexTests(app), IClassFixture<SqlServerApp>;
