using Microsoft.AspNetCore.Mvc;
using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Entitlements;
using SelfService.Shared;

namespace SelfService.Pages.Staff.Catalog;

public sealed class IndexModel(CatalogStore store, CatalogEditor editor, SubscriptionAdmin subscriptions, CatalogPolicies policies) : OperatorPage
{
    public CatalogSnapshot Catalog { get; private set; } = null!;
    public CatalogUsage Usage { get; private set; } = null!;
    public CatalogPolicy Policy { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken ct)
    {
        Catalog = await store.SnapshotAsync(ct);
        Usage = await editor.UsageAsync(ct);
        Policy = await policies.ReadAsync(ct);
    }

    /// <summary>Sets whether a downgrade asked for in the portal goes to the vendor's approvers (audited).</summary>
    public async Task<IActionResult> OnPostPolicyAsync(bool downgradesNeedApproval, CancellationToken ct)
    {
        var changed = await policies.SetDowngradesNeedApprovalAsync(downgradesNeedApproval, Actor, ct);
        Flash = !changed ? "The downgrade policy was already so."
            : downgradesNeedApproval ? "Downgrades now need a vendor approval; approved, they are scheduled for the end of the period."
            : "Downgrades now need no approval: they are scheduled for the end of the period.";
        return RedirectToPage();
    }

    /// <summary>Moves every subscription on a superseded plan version to the plan's newest version.</summary>
    public async Task<IActionResult> OnPostMoveAllAsync(long planId, CancellationToken ct)
    {
        var result = await subscriptions.MoveAllToNewestVersionAsync(planId, Actor, ct);
        if (!result.Ok) return NotFound();
        Flash = result.Value == 1 ? "Moved 1 subscription to the newest version." : $"Moved {result.Value} subscriptions to the newest version.";
        return RedirectToPage();
    }

    public IEnumerable<IGrouping<string, PricePlan>> PlansByCode =>
        Catalog.Plans.GroupBy(p => p.Code).OrderBy(g => g.First().Family, StringComparer.Ordinal).ThenBy(g => g.Max(p => p.MonthlyPriceCents));

    public IEnumerable<IGrouping<string, AddOn>> AddOnsByCode =>
        Catalog.AddOns.GroupBy(a => a.Code).OrderBy(g => g.First().Family, StringComparer.Ordinal).ThenBy(g => g.Key, StringComparer.Ordinal);

    public string Summary(IEnumerable<(long FeatureId, EntitlementValue Value)> entitlements)
    {
        var features = Catalog.Features.ToDictionary(f => f.Id);
        return string.Join(" · ", entitlements.Where(e => features.ContainsKey(e.FeatureId))
            .Select(e => (Feature: features[e.FeatureId], e.Value))
            .OrderBy(e => e.Feature.Handle, StringComparer.Ordinal)
            .Select(e => e.Feature.Kind == FeatureKind.Boolean ? e.Feature.Handle : $"{e.Feature.Handle} {EntitlementFormat.Value(e.Feature, e.Value)}"));
    }

    public static string Subscriptions(int n) => n switch { 0 => "none", 1 => "1 subscription", _ => $"{n} subscriptions" };
}
