using SelfService.Catalog;
using SelfService.Entitlements;
using SelfService.Metering;

namespace SelfService.Upgrades;

/// <summary>
/// One feature's value before and after a plan change, against its usage: this period's so far (<see cref="Usage"/>) and,
/// for a change scheduled at the period's end, where it is heading by then (<see cref="Projected"/>).
/// </summary>
public sealed record PlanChangeImpact(Feature Feature, EntitlementValue Before, EntitlementValue After, decimal Usage)
{
    /// <summary>Usage projected to the instant the change takes effect (Sum: the period's rate carried on; Max and Latest: the level now); null for a change now.</summary>
    public decimal? Projected { get; init; }

    /// <summary>The usage the new value is measured against: the projection when there is one, never less than what is used now.</summary>
    public decimal AtChange => Math.Max(Usage, Projected ?? Usage);

    public bool Lowered => Before.Unlimited && !After.Unlimited || !After.Unlimited && (After.Amount ?? 0) < (Before.Amount ?? 0);

    /// <summary>A Boolean feature the customer has and would not have after the change.</summary>
    public bool Lost => Feature.Kind == FeatureKind.Boolean && Before.Grants && !After.Grants;

    /// <summary>Usage at the change would be over the new value (for Boolean features: access would be lost).</summary>
    public bool Exceeds => Feature.Kind == FeatureKind.Boolean ? Lost : !After.Unlimited && AtChange > (After.Amount ?? 0);
}

public sealed record PlanChangePreviewResult(PricePlan From, PricePlan To, IReadOnlyList<PlanChangeImpact> Changes)
{
    /// <summary>When the change would take effect: the end of the period for a downgrade (<see cref="PlanChanges.IsDowngrade"/>); null: at once.</summary>
    public DateTime? EffectiveAt { get; init; }

    public bool IsDowngrade => PlanChanges.IsDowngrade(From, To);

    public long PriceDifferenceCents => To.MonthlyPriceCents - From.MonthlyPriceCents;

    public IEnumerable<PlanChangeImpact> Lowered => Changes.Where(c => c.Lowered);

    /// <summary>The downgrade preview: every feature lost, or whose usage at the change would exceed the new plan's value.</summary>
    public IEnumerable<PlanChangeImpact> Exceeded => Changes.Where(c => c.Exceeds);

    /// <summary>Assigned-seats features with more seats assigned than the new plan allows (their usage is the seats assigned).</summary>
    public IEnumerable<PlanChangeImpact> SeatsOver => Exceeded.Where(c => c.Feature.AssignedSeats);
}

/// <summary>
/// What a plan change would do to a customer: the engine run with the new plan in place of the old, keeping the add-ons
/// and grants, at the instant the change would take effect (a downgrade: the end of the period, so grants ending before
/// then no longer count), compared feature by feature with usage (this period's, or the latest level) and, for a
/// downgrade, usage projected to that instant.
/// </summary>
public sealed class PlanChangePreview(EntitlementService entitlements, CatalogStore catalog, UsageService usage)
{
    public async Task<PlanChangePreviewResult?> PreviewAsync(string customerKey, string planCode, CancellationToken ct = default)
    {
        var account = await entitlements.ForCustomerAsync(customerKey, ct: ct);
        if (account is null) return null;
        var snapshot = await catalog.SnapshotAsync(ct);
        var target = snapshot.CurrentPlans.FirstOrDefault(p => p.Code == planCode);
        if (target is null) return null;
        return await PreviewAsync(account, snapshot, target, ct);
    }

    /// <summary>The preview a customer and an approver see: a downgrade at the end of the period, with usage projected to it.</summary>
    public async Task<PlanChangePreviewResult> PreviewAsync(AccountEntitlements account, CatalogSnapshot snapshot, PricePlan target, CancellationToken ct = default)
    {
        var used = await CurrentUsageAsync(account, ct);
        if (!PlanChanges.IsDowngrade(account.Plan, target)) return Preview(account, snapshot, target, used);
        var period = UsagePeriod.Containing(account.At, account.Subscription.BillingAnchorDay);
        var projected = new Dictionary<long, decimal>();
        foreach (var e in account.Entitlements.Where(e => e.Feature.IsNumeric))
        {
            var now = used.GetValueOrDefault(e.Feature.Id);
            projected[e.Feature.Id] = e.Feature.Aggregation == Aggregation.Sum
                ? Forecaster.For(e.Feature, now, e.Limit, period, account.At, [])?.Projected ?? now
                : now; // a peak or a level carries over: it is there at the change
        }
        return Preview(account, snapshot, target, used, period.End, projected);
    }

    public async Task<IReadOnlyDictionary<long, decimal>> CurrentUsageAsync(AccountEntitlements account, CancellationToken ct = default)
    {
        var period = UsagePeriod.Containing(account.At, account.Subscription.BillingAnchorDay);
        return await usage.TotalsAsync(account.Customer.Id, account.AllFeatures, period.Start, period.End, ct);
    }

    /// <summary>
    /// The change compared with <paramref name="usage"/>; after it as of <paramref name="effectiveAt"/> (now by default),
    /// measured against <paramref name="projected"/> usage where given.
    /// </summary>
    public static PlanChangePreviewResult Preview(AccountEntitlements account, CatalogSnapshot snapshot, PricePlan target, IReadOnlyDictionary<long, decimal> usage,
        DateTime? effectiveAt = null, IReadOnlyDictionary<long, decimal>? projected = null)
    {
        var inputs = new EntitlementInputs(account.AllFeatures, target, snapshot.EntitlementsOf(target), account.AddOns,
            snapshot.AddOnEntitlements.Where(e => account.AddOns.Any(a => a.AddOn.Id == e.AddOnId)).ToList(), account.Grants);
        var after = EntitlementEngine.Compute(inputs, effectiveAt ?? account.At).ToDictionary(e => e.Feature.Id);
        var before = account.Entitlements.ToDictionary(e => e.Feature.Id);

        var changes = new List<PlanChangeImpact>();
        foreach (var feature in account.AllFeatures)
        {
            var b = before.TryGetValue(feature.Id, out var be) ? be.Value : EntitlementValue.Of(0);
            var a = after.TryGetValue(feature.Id, out var ae) ? ae.Value : EntitlementValue.Of(0);
            if (!b.Grants && !a.Grants) continue;
            changes.Add(new PlanChangeImpact(feature, b, a, usage.GetValueOrDefault(feature.Id))
            {
                Projected = projected is not null && projected.TryGetValue(feature.Id, out var p) ? p : null,
            });
        }
        return new PlanChangePreviewResult(account.Plan, target, changes) { EffectiveAt = effectiveAt };
    }
}
