using System.Net;
using SelfService.Entitlements;
using SelfService.Tests.Infrastructure;
using SelfService.Upgrades;

namespace SelfService.Tests.Pages.Staff.Customers;

public abstract class PlanTests(AppFactory app)
{
    [SkippableFact]
    public async Task Get_DowngradePreview_FlagsFeaturesWhoseUsageWouldExceedTheNewPlan()
    {
        var client = await OperatorClient.SignIn(app);
        var page = await client.GetDocument("/vendor/customers/acme/plan?to=starter");
        Assert.Contains("Current usage would exceed the new plan", page.ByTestId("downgrade-warning").Text());
        var exceeded = page.QuerySelectorAll("[data-testid=change][data-exceeds=true]").Select(r => r.GetAttribute("data-handle")!).ToList();
        var expected = (await app.Get<PlanChangePreview>().PreviewAsync("acme", "starter"))!.Exceeded.Select(e => e.Feature.Handle).ToList();
        Assert.Equal(expected, exceeded);
        Assert.Contains("api-calls", exceeded);
        Assert.Contains("storage-gb", exceeded); // 61 GB, Starter 10 GB; Acme's 2 assigned seats fit Starter's 20
    }

    [SkippableFact]
    public async Task Get_Choices_AreTheCurrentPlansOfTheSameFamily()
    {
        var client = await OperatorClient.SignIn(app);
        var page = await client.GetDocument("/vendor/customers/umbrella/plan");
        var choices = page.QuerySelectorAll("[data-testid=choose-plan] input[name=to]").Select(i => i.GetAttribute("value")).ToList();
        Assert.Equal(new[] { "premium" }, choices);
    }

    [SkippableFact]
    public async Task Post_ChangePlan_NeedsAReason_ThenChangesIt_WithAnAuditEntry()
    {
        await using var own = new AppFactory();
        var client = await OperatorClient.SignIn(own);
        var preview = await client.GetDocument("/vendor/customers/umbrella/plan?to=premium");
        var form = preview.Form("[data-testid=change-plan-form]");

        var refused = await client.Submit(form, new() { ["Reason"] = "" });
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("Give a reason", (await PageClient.Parse(refused)).ErrorFor("Reason"));
        Assert.Equal("Standard", (await own.Get<EntitlementService>().ForCustomerAsync("umbrella"))!.Plan.Name);

        var done = await client.Follow(await client.Submit(form, new() { ["Reason"] = "Upgrade agreed by phone" }));
        Assert.Equal("Premium", done.ByTestId("plan-name").Text());
        var account = (await own.Get<EntitlementService>().ForCustomerAsync("umbrella"))!;
        Assert.Equal(4, account.For("max-simultaneous-streams")!.Limit);
        Assert.Equal("Upgrade agreed by phone", await own.Scalar<string>("select Reason from AuditEntry where Kind = 'subscription.plan-changed'"));
    }

    [SkippableFact]
    public async Task Post_PlanOfAnotherFamily_IsRefused()
    {
        var client = await OperatorClient.SignIn(app);
        var premium = await app.Scalar<long>("select Id from PricePlan where Code = 'premium'");
        var response = await client.PostDirect("/vendor/customers/globex/plan", "/vendor/customers/globex/plan", new() { ["planId"] = premium.ToString(), ["Reason"] = "x" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Choose a plan of the team family", await response.Content.ReadAsStringAsync());
        Assert.Equal("Starter", (await app.Get<EntitlementService>().ForCustomerAsync("globex"))!.Plan.Name);
    }
}

public sealed class SqlitePlanTests(SqliteApp app) : PlanTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlPlanTests(PostgreSqlApp app) : PlanTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerPlanTests(SqlServerApp app) : PlanTests(app), IClassFixture<SqlServerApp>;
