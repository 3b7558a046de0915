using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Customers;

public abstract class EntitlementsTests(AppFactory app)
{
    [SkippableFact]
    public async Task Get_GrantedTab_ListsTheGrant_WithItsReasonAndWhoGaveIt()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.AcmeOwner);
        var page = await client.GetDocument("/customers/acme/entitlements?tab=granted");

        var grant = page.QuerySelector("[data-testid=grants] [data-testid=grant][data-handle=max-members]")!;
        Assert.Contains("+5 members", grant.Text());
        Assert.Contains("Negotiated at the 2026 renewal — by " + DemoUsers.Operator, grant.Text());
        Assert.Null(page.QuerySelector("[data-testid=no-grants]"));
    }

    [SkippableFact]
    public async Task Get_WithoutGrants_SaysSo_AndShowsWhatThePlanLacks_Locked()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.GlobexOwner);
        var granted = await client.GetDocument("/customers/globex/entitlements?tab=granted");
        Assert.Empty(granted.AllByTestId("grant"));
        Assert.NotNull(granted.QuerySelector("[data-testid=no-grants]"));

        var page = await client.GetDocument("/customers/globex/entitlements");
        Assert.NotNull(page.QuerySelector("[data-testid=locked] [data-testid=upgrade-prompt][data-feature=sso]"));
        Assert.Null(page.QuerySelector("[data-testid=entitlements] [data-testid=entitlement][data-handle=sso]"));
    }
}

public sealed class SqliteEntitlementsTests(SqliteApp app) : EntitlementsTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlEntitlementsTests(PostgreSqlApp app) : EntitlementsTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerEntitlementsTests(SqlServerApp app) : EntitlementsTests(app), IClassFixture<SqlServerApp>;
