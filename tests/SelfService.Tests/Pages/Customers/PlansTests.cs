using System.Net;
using Dapper;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Notifications;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Customers;

/// <summary>The plans page (<c>/customers/{customer}/plans</c>): the plans a customer may move to and what a downgrade would take away.</summary>
public abstract class PlansTests(AppFactory app)
{
    [SkippableFact]
    public async Task Plans_DowngradePreview_ListsEveryFeatureOverTheNewPlansValue()
    {
        var page = await (await PageClient.SignedInAs(app, DemoUsers.AcmeOwner)).GetDocument("/customers/acme/plans");

        var starter = page.QuerySelector("[data-testid=plan-option][data-code=starter]")!;
        Assert.Equal("−$70", starter.ByTestId("price-difference").Text());
        var exceeded = starter.AllByTestId("exceeded").Select(e => e.GetAttribute("data-handle")).Order().ToList();
        // Acme uses 86,000 calls (Starter: 10,000) and 61 GB (10 GB); its 2 assigned seats fit Starter's 20 (5 + Extra Seats 10 + grant 5).
        // Seats over a new plan: Accounts/SeatTests.
        Assert.Equal(["api-calls", "storage-gb"], exceeded);
        Assert.Contains("API calls: you use 86,000 calls, Starter allows 10,000 calls.", starter.ByTestId("downgrade-preview").Text());

        var enterprise = page.QuerySelector("[data-testid=plan-option][data-code=enterprise]")!;
        Assert.Empty(enterprise.AllByTestId("exceeded"));
        Assert.Equal("+$400", enterprise.ByTestId("price-difference").Text());
        Assert.Equal("/customers/acme/requests/new?kind=plan&code=enterprise", enterprise.ByTestId("request-plan").GetAttribute("href"));
    }
}

public sealed class SqlitePlansTests(SqliteApp app) : PlansTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlPlansTests(PostgreSqlApp app) : PlansTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerPlansTests(SqlServerApp app) : PlansTests(app), IClassFixture<SqlServerApp>;
