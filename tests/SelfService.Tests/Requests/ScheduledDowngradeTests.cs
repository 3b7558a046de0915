using System.Net;
using System.Text.Json;
using Dapper;
using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Entitlements;
using SelfService.Requests;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Integration;
using SelfService.Tests.Metering;
using SelfService.Upgrades;
using static SelfService.Tests.Requests.RequestTestKit;

namespace SelfService.Tests.Requests;

/// <summary>
/// A downgrade asked for in the portal waits for the end of the billing period: the new plan counts from that instant in
/// the engine, the check API, the portal and the token, whether its job has run or not, and not a tick earlier. The job
/// records it once however often and wherever it runs; a cancel before then keeps the plan; an upgrade applies at once.
/// Acme is on Business (100,000 API calls, 86 % used) with its period starting on the 1st; Starter has 10,000.
/// </summary>
public abstract class ScheduledDowngradeTests : IDisposable
{
    private MeteringApp? _app;

    protected abstract MeteringApp CreateApp();

    private MeteringApp App => _app ??= CreateApp();

    public void Dispose() => _app?.Dispose();

    /// <summary>Acme's period ends then: the instant a downgrade asked for now takes effect.</summary>
    private static readonly DateTime PeriodEnd = new(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);

    private Task<CustomerRequest> AskForStarter(string who = DemoUsers.AcmeOwner) =>
        Ask(App, who, new RequestDraft { Kind = RequestKind.Plan, PlanCode = "starter", ConfirmDowngrade = true });

    private Task<string> PlanCode() => Scalar<string>(App, """
        select p.Code from Subscription s join PricePlan p on p.Id = s.PlanId join Customer c on c.Id = s.CustomerId where c.ExternalKey = 'acme'
        """);

    private Task<long> Events(string type) => Scalar<long>(App, """
        select count(*) from OutboundEvent e join Customer c on c.Id = e.CustomerId where c.ExternalKey = 'acme' and e.Type = @type
        """, new { type });

    private async Task<JsonElement> Check(string feature = "api-calls")
    {
        using var api = App.ApiClient();
        return await (await api.GetAsync($"/api/v1/customers/acme/entitlements/{feature}")).JsonOf(HttpStatusCode.OK);
    }

    private async Task<JsonElement> Token()
    {
        using var api = App.ApiClient();
        var issued = await (await api.PostAsync("/api/v1/customers/acme/token", null)).JsonOf(HttpStatusCode.OK);
        return TokenVerifier.Payload(issued.GetProperty("token").GetString()!);
    }

    private async Task<long?> Limit(DateTime at) => (await App.Get<EntitlementService>().ForCustomerAsync("acme", at))!.For("api-calls")!.Limit;

    private void At(DateTime instant) => App.Clock.SetUtcNow(new DateTimeOffset(instant));

    [SkippableFact]
    public async Task ADowngrade_IsScheduledForThePeriodEnd_InEffectThenBeforeItsJobRuns_AndNotATickEarlier()
    {
        var request = await AskForStarter();

        Assert.Equal(RequestState.Approved, request.State); // Starter needs no approval, and neither do downgrades by default
        Assert.Equal("business", await PlanCode());
        Assert.Equal(PeriodEnd, await Scalar<DateTime>(App, "select EffectiveAt from ScheduledPlanChange where State = 'Pending'"));
        Assert.Equal(100_000, await Limit(App.Now));
        Assert.Equal(100_000, await Limit(PeriodEnd.AddTicks(-1)));
        Assert.Equal(10_000, await Limit(PeriodEnd));

        // A tick before: Business everywhere.
        At(PeriodEnd.AddTicks(-1));
        var before = await Check();
        Assert.Equal(100_000, before.GetProperty("limit").GetInt64());
        var token = await Token();
        Assert.Equal("business", token.GetProperty("plan").GetString());
        Assert.True(token.GetProperty("exp").GetInt64() <= new DateTimeOffset(PeriodEnd).ToUnixTimeSeconds());
        var owner = await PageClient.SignedInAs(App, DemoUsers.AcmeOwner);
        Assert.Equal("Business", (await owner.GetDocument("/customers/acme")).ByTestId("plan-name").Text());

        // At the instant, the job not run: Starter everywhere, from the same rows.
        At(PeriodEnd);
        Assert.Equal("business", await PlanCode());
        var after = await Check();
        Assert.Equal(10_000, after.GetProperty("limit").GetInt64());
        Assert.Equal("starter", (await Token()).GetProperty("plan").GetString());
        var overview = await owner.GetDocument("/customers/acme");
        Assert.Equal("Starter", overview.ByTestId("plan-name").Text());
        Assert.Empty(overview.AllByTestId("scheduled-change"));
        using var api = App.ApiClient();
        var account = await (await api.GetAsync("/api/v1/customers/acme/entitlements")).JsonOf(HttpStatusCode.OK);
        Assert.Equal("starter", account.GetProperty("plan").GetProperty("code").GetString());
    }

    [SkippableFact]
    public async Task ATokenIssuedBeforeAScheduledChange_ExpiresAtIt()
    {
        // Scheduled three minutes ahead (an operator's or a test's choice of instant): the token ends with the old plan.
        var at = App.Now.AddMinutes(3);
        await App.Get<Db>().WriteAsync(async (c, tx) =>
        {
            var changes = App.Get<SubscriptionChanges>();
            var s = (await changes.LockAsync(c, tx, "acme"))!;
            var starter = await c.QuerySingleAsync<PricePlan>("select Id, Code, Version, Family, Name, MonthlyPriceCents from PricePlan where Code = 'starter'", null, tx);
            await changes.SchedulePlanChangeAsync(c, tx, s, starter, at, new ChangeBy("test", App.Now, "token test"));
        });

        var token = await Token();

        Assert.Equal(new DateTimeOffset(at).ToUnixTimeSeconds(), token.GetProperty("exp").GetInt64());
        Assert.Equal(100_000, token.GetProperty("entitlements").GetProperty("api-calls").GetProperty("limit").GetInt64());
    }

    [SkippableFact]
    public async Task TheJob_AppliesTheChangeOnce_WhenRunTwiceAndOnTwoServersAtOnce_AndEmitsItsEventsOnce()
    {
        await AskForStarter();
        var entitlementEvents = await Events("entitlements.changed");
        var subscriptionEvents = await Events("subscription.changed");

        At(PeriodEnd.AddTicks(-1));
        await App.Get<ApplyScheduledChangesJob>().Execute(CancellationToken.None);
        Assert.Equal("business", await PlanCode());

        At(PeriodEnd.AddMinutes(1));
        await using (var second = new MeteringApp { SharingDatabaseOf = App })
        {
            second.Clock.SetUtcNow(App.Clock.GetUtcNow());
            await Task.WhenAll(
                App.Get<ApplyScheduledChangesJob>().Execute(CancellationToken.None),
                second.Get<ApplyScheduledChangesJob>().Execute(CancellationToken.None));
        }
        await App.Get<ApplyScheduledChangesJob>().Execute(CancellationToken.None);

        Assert.Equal("starter", await PlanCode());
        Assert.Equal(1, await AuditCount(App, "subscription.scheduled-change-applied"));
        Assert.Equal("Applied", await Scalar<string>(App, "select State from ScheduledPlanChange"));
        Assert.Equal(entitlementEvents + 1, await Events("entitlements.changed"));
        Assert.Equal(subscriptionEvents + 1, await Events("subscription.changed"));
        var payload = JsonDocument.Parse(await Scalar<string>(App, """
            select e.Payload from OutboundEvent e where e.Type = 'entitlements.changed' order by e.Id desc
            """)).RootElement.GetProperty("data");
        Assert.Equal("scheduled-change", payload.GetProperty("why").GetString());
        Assert.Equal("scheduled change", payload.GetProperty("reason").GetString());
        var calls = payload.GetProperty("changes").EnumerateArray().Single(c => c.GetProperty("feature").GetString() == "api-calls");
        Assert.Equal(100_000, calls.GetProperty("before").GetInt64());
        Assert.Equal(10_000, calls.GetProperty("after").GetInt64());
    }

    [SkippableFact]
    public async Task CancellingBeforeTheDate_KeepsThePlan_AndASecondCancelChangesNothing()
    {
        await AskForStarter();
        var admin = App.Get<SubscriptionAdmin>();

        Assert.True(await admin.CancelScheduledChangeAsync("acme", DemoUsers.AcmeAdmin));
        Assert.False(await admin.CancelScheduledChangeAsync("acme", DemoUsers.AcmeAdmin));

        Assert.Equal(1, await AuditCount(App, "subscription.scheduled-change-cancelled"));
        Assert.Equal(100_000, await Limit(PeriodEnd));
        At(PeriodEnd.AddMinutes(1));
        await App.Get<ApplyScheduledChangesJob>().Execute(CancellationToken.None);
        Assert.Equal("business", await PlanCode());
        Assert.Equal(100_000, (await Check()).GetProperty("limit").GetInt64());
    }

    [SkippableFact]
    public async Task AnUpgrade_AppliesAtOnce_AndReplacesAPendingDowngrade()
    {
        await AskForStarter();
        var upgrade = await Ask(App, DemoUsers.AcmeOwner, new RequestDraft { Kind = RequestKind.Plan, PlanCode = "enterprise" });
        Assert.Equal(RequestState.Pending, upgrade.State); // Enterprise needs the vendor's approval

        var approved = await Decide(App, DemoUsers.Approver, upgrade, new RequestDecision(true));

        Assert.Equal(RequestState.Approved, approved.Request!.State);
        Assert.Equal("enterprise", await PlanCode());
        Assert.Equal("Replaced", await Scalar<string>(App, "select State from ScheduledPlanChange"));
        Assert.NotEqual(10_000, await Limit(PeriodEnd));
        Assert.Equal("Enterprise", (await App.Get<EntitlementService>().ForCustomerAsync("acme", PeriodEnd.AddDays(1)))!.Plan.Name);
    }

    [SkippableFact]
    public async Task WithTheCatalogPolicy_ADowngradeGoesToTheApprover_ThenIsScheduled_NotApplied()
    {
        Assert.True(await App.Get<CatalogPolicies>().SetDowngradesNeedApprovalAsync(true, DemoUsers.Operator));
        Assert.Equal(1, await AuditCount(App, "catalog.policy-changed"));

        var request = await AskForStarter();

        Assert.Equal(RequestState.Pending, request.State);
        Assert.Equal(RequestStep.Vendor, request.Step);
        Assert.Equal(0, await Scalar<long>(App, "select count(*) from ScheduledPlanChange"));
        var approver = await PageClient.SignedInAs(App, DemoUsers.Approver);
        Assert.Contains("scheduled for 1 Dec 2026, 00:00 UTC", (await approver.GetDocument($"/vendor/approvals/{request.Id}")).ByTestId("scheduled-for").Text());

        var approved = await Decide(App, DemoUsers.Approver, request, new RequestDecision(true));

        Assert.Equal(RequestState.Approved, approved.Request!.State);
        Assert.Equal("business", await PlanCode());
        Assert.Equal(10_000, await Limit(PeriodEnd));
        Assert.Equal("Scheduled for 1 Dec 2026, 00:00 UTC (to Starter)",
            (await approver.GetDocument($"/vendor/approvals/{request.Id}")).ByTestId("scheduled-for").Text());
    }

    [SkippableFact]
    public async Task ThePreview_ListsEveryFeatureLostOrExceededAtTheScheduledDate()
    {
        var preview = (await App.Get<PlanChangePreview>().PreviewAsync("acme", "starter"))!;

        Assert.Equal(PeriodEnd, preview.EffectiveAt);
        var calls = Assert.Single(preview.Exceeded, c => c.Feature.Handle == "api-calls");
        Assert.True(calls.Projected > calls.Usage, "usage is projected to the period's end");
        // Every feature Business gives and Starter does not, or whose usage by then is over Starter's value, is listed.
        var expected = preview.Changes.Where(c => c.Feature.Kind == FeatureKind.Boolean ? c.Before.Grants && !c.After.Grants
            : !c.After.Unlimited && Math.Max(c.Usage, c.Projected ?? 0) > (c.After.Amount ?? 0)).Select(c => c.Feature.Handle).ToList();
        Assert.Equal(expected, preview.Exceeded.Select(c => c.Feature.Handle).ToList());

        var owner = await PageClient.SignedInAs(App, DemoUsers.AcmeOwner);
        var form = await owner.GetDocument("/customers/acme/requests/new?kind=plan&code=starter");
        Assert.Contains("1 Dec 2026, 00:00 UTC", form.ByTestId("preview-when").Text());
        var losses = form.AllByTestId("preview-loss").Select(l => l.GetAttribute("data-handle")!).ToList();
        Assert.Equal(expected, losses);
        Assert.Contains("over the new 10,000", form.QuerySelector("[data-testid=preview-loss][data-handle=api-calls]")!.Text());

        // An upgrade applies at once, and says so.
        var up = await owner.GetDocument("/customers/acme/requests/new?kind=plan&code=enterprise");
        Assert.Equal("The change applies at once.", up.ByTestId("preview-when").Text());
    }
}

public sealed class SqliteScheduledDowngradeTests : ScheduledDowngradeTests
{
    protected override MeteringApp CreateApp() => new();
}

public sealed class PostgreSqlScheduledDowngradeTests : ScheduledDowngradeTests
{
    protected override MeteringApp CreateApp() => new() { Database = TestDatabase.PostgreSql };
}

public sealed class SqlServerScheduledDowngradeTests : ScheduledDowngradeTests
{
    protected override MeteringApp CreateApp() => new() { Database = TestDatabase.SqlServer };
}
