using AngleSharp.Dom;
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

/// <summary>The catalog-wide downgrade policy: an Operator sets it on the catalog page, audited; the default needs no approval.</summary>
public abstract class DowngradePolicyTests(TestDatabase database) : IDisposable
{
    private AppFactory? _app;
    private AppFactory App => _app ??= new AppFactory { Database = database };

    public void Dispose() => _app?.Dispose();

    [SkippableFact]
    public async Task Post_Policy_SendsDowngradesToTheApprovers_Audited_AndSavingItAgainChangesNothing()
    {
        var client = await OperatorClient.SignIn(App);
        var page = await client.GetDocument("/vendor/catalog");
        Assert.True(page.QuerySelector<AngleSharp.Html.Dom.IHtmlInputElement>("[data-testid=policy-no-approval]")!.IsChecked);

        var saved = await client.Follow(await client.Submit(page.Form("[data-testid=policy-form]"), new() { ["downgradesNeedApproval"] = "true" }));
        Assert.StartsWith("Downgrades now need a vendor approval", saved.ByTestId("flash").Text());
        Assert.True(saved.QuerySelector<AngleSharp.Html.Dom.IHtmlInputElement>("[data-testid=policy-approval]")!.IsChecked);
        var again = await client.Follow(await client.Submit(saved.Form("[data-testid=policy-form]"), []));
        Assert.Equal("The downgrade policy was already so.", again.ByTestId("flash").Text());

        Assert.Equal(1, await App.Scalar<long>("select count(*) from AuditEntry where Kind = 'catalog.policy-changed'"));
        Assert.True((await App.Get<SelfService.Catalog.CatalogPolicies>().ReadAsync()).DowngradesNeedApproval);
    }
}

public sealed class SqliteDowngradePolicyTests() : DowngradePolicyTests(TestDatabase.Sqlite);

public sealed class PostgreSqlDowngradePolicyTests() : DowngradePolicyTests(TestDatabase.PostgreSql);

public sealed class SqlServerDowngradePolicyTests() : DowngradePolicyTests(TestDatabase.SqlServer);
