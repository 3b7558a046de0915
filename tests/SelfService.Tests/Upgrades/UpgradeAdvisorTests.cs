using SelfService.Catalog;
using SelfService.Entitlements;
using SelfService.Tests.Infrastructure;
using SelfService.Upgrades;

namespace SelfService.Tests.Upgrades;

/// <summary>
/// The advisor on the demo catalog and Acme (Business: 100,000 api-calls, Extra Seats × 1; API Calls Pack adds 50,000
/// a unit at $25, at most 20; Enterprise: 1,000,000 calls for $400 more than Business).
/// </summary>
public sealed class UpgradeAdvisorTests(AppFactory app) : IClassFixture<AppFactory>
{
    private async Task<(AccountEntitlements Account, CatalogSnapshot Catalog, Feature Calls)> Acme()
    {
        var account = (await app.Get<EntitlementService>().ForCustomerAsync("acme"))!;
        var catalog = await app.Get<CatalogStore>().SnapshotAsync();
        return (account, catalog, catalog.Features.Single(f => f.Handle == "api-calls"));
    }

    private static IReadOnlyDictionary<long, decimal> Usage(Feature calls, decimal used) => new Dictionary<long, decimal> { [calls.Id] = used };

    [Fact]
    public async Task JustAboveTheCap_TheFewestAddOnUnitsAreCheapest()
    {
        var (acme, catalog, calls) = await Acme();
        var advice = UpgradeAdvisor.Advise(acme, catalog, calls, 160_000, Usage(calls, 86_000));
        Assert.Equal(("api-calls-pack", 2, 50_00L), (advice.Cheapest!.Code, advice.Cheapest.Quantity, advice.Cheapest.MonthlyCostDeltaCents));
        Assert.Equal(200_000, advice.Cheapest.NewValue.Amount);
        Assert.Null(advice.Most);
    }

    /// <summary>The 86 % case: the pack at its maximum (1,100,000) and Enterprise (1,000,000) both add calls, so both are weighed.</summary>
    [Fact]
    public async Task BeyondEnterpriseAlone_ThePackUpToItsMaximum_OrEnterpriseWithThePack_WhicheverIsCheaper()
    {
        var (acme, catalog, calls) = await Acme();

        var packAtMost = UpgradeAdvisor.Advise(acme, catalog, calls, 1_000_001, Usage(calls, 86_000)).Cheapest!;
        // Pack × 19 = $475 a month; Enterprise + Pack × 1 = $400 + $25 = $425: the combination is cheaper.
        Assert.Equal(UpgradeKind.Plan, packAtMost.Kind);
        Assert.Equal("enterprise", packAtMost.Code);
        Assert.Equal(new UpgradeAddOn("api-calls-pack", "API Calls Pack", 1, 25_00), packAtMost.With);
        Assert.Equal(425_00, packAtMost.MonthlyCostDeltaCents);
        Assert.Equal(1_050_000, packAtMost.NewValue.Amount);
        Assert.Equal("the Enterprise plan with API Calls Pack × 1", packAtMost.Describe());
        Assert.EndsWith("kind=plan&code=enterprise", packAtMost.RequestUrl("acme"), StringComparison.Ordinal);
        Assert.EndsWith("kind=addon&code=api-calls-pack&quantity=1", packAtMost.WithRequestUrl("acme"), StringComparison.Ordinal);

        var packAlone = UpgradeAdvisor.Advise(acme, catalog, calls, 600_000, Usage(calls, 86_000)).Cheapest!;
        Assert.Equal(("api-calls-pack", 10, 250_00L), (packAlone.Code, packAlone.Quantity, packAlone.MonthlyCostDeltaCents)); // under Enterprise's $400
    }

    [Fact]
    public async Task BeyondEveryOption_NamesWhatCoversTheMost_AndByHowMuchItFallsShort()
    {
        var (acme, catalog, calls) = await Acme();
        var advice = UpgradeAdvisor.Advise(acme, catalog, calls, 5_000_000, Usage(calls, 86_000));

        Assert.Null(advice.Cheapest);
        var most = advice.Most!;
        Assert.Equal(("enterprise", "api-calls-pack", 20), (most.Code, most.With!.Code, most.With.Quantity));
        Assert.Equal(2_000_000, most.NewValue.Amount);
        Assert.Equal(400_00 + 20 * 25_00, most.MonthlyCostDeltaCents);
        Assert.Equal(3_000_000, advice.ShortBy);
    }

    [Fact]
    public async Task ABooleanFeature_IsUnlockedByTheCheapestPlan_AndNothingIsOfferedWhenNoneHasIt()
    {
        var (acme, catalog, _) = await Acme();
        var sso = catalog.Features.Single(f => f.Handle == "sso");
        var unlock = UpgradeAdvisor.Advise(acme, catalog, sso, 1, new Dictionary<long, decimal>());
        Assert.Equal(("enterprise", (UpgradeAddOn?)null), (unlock.Cheapest!.Code, unlock.Cheapest.With));

        var fourK = catalog.Features.Single(f => f.Handle == "4k-streaming"); // streaming family only
        var none = UpgradeAdvisor.Advise(acme, catalog, fourK, 1, new Dictionary<long, decimal>());
        Assert.Equal((null, null), (none.Cheapest, none.Most));
    }
}

/// <summary>Its own app: superseding Business changes the catalog the other advisor tests read.</summary>
public sealed class UpgradeAdvisorSupersededPlanTests(AppFactory app) : IClassFixture<AppFactory>
{
    /// <summary>Acme stays on Business v1 when the operator supersedes it; the current version is offered like another plan.</summary>
    [Fact]
    public async Task OnASupersededPlan_TheCurrentVersionIsOffered()
    {
        var before = await app.Get<CatalogStore>().SnapshotAsync();
        var calls = before.Features.Single(f => f.Handle == "api-calls");
        var business = before.CurrentPlans.Single(p => p.Code == "business");
        var input = OfferInput.From(before, business);
        input.Entitlements.Single(e => e.FeatureId == calls.Id).Value = "250000";
        var saved = await app.Get<CatalogEditor>().SavePlanAsync(business.Id, input, "operator@vendor.example");
        Assert.True(saved.Errors.Count == 0, string.Join("; ", saved.Errors.Select(e => $"{e.Key}: {e.Value}")));

        var acme = (await app.Get<EntitlementService>().ForCustomerAsync("acme"))!;
        var catalog = await app.Get<CatalogStore>().SnapshotAsync();
        Assert.Equal(1, acme.Plan.Version);
        var advice = UpgradeAdvisor.Advise(acme, catalog, calls, 200_000, new Dictionary<long, decimal> { [calls.Id] = 86_000 }).Cheapest!;
        Assert.Equal(("business", 0L, true), (advice.Code, advice.MonthlyCostDeltaCents, advice.IsCurrentVersionOfOwnPlan));
        Assert.Equal("the current Business plan", advice.Describe());
        Assert.Equal(250_000, advice.NewValue.Amount);

        // The prompt's request goes through: moving to the current version is a plan change (approved by policy here).
        var request = await SelfService.Tests.Requests.RequestTestKit.Ask(app, "owner@acme.example",
            new SelfService.Requests.RequestDraft { Kind = SelfService.Requests.RequestKind.Plan, PlanCode = "business" });
        Assert.Equal(SelfService.Requests.RequestState.Approved, request.State);
        var moved = (await app.Get<EntitlementService>().ForCustomerAsync("acme"))!;
        Assert.Equal((2, 250_000L), (moved.Plan.Version, moved.For("api-calls")!.Limit!.Value));
    }
}
