using SelfService.Catalog;
using SelfService.Entitlements;
using SelfService.Metering;

namespace SelfService.Upgrades;

/// <summary>One feature's value before and after a plan change, against its current usage.</summary>
public sealed record PlanChangeImpact(Feature Feature, EntitlementValue Before, EntitlementValue After, decimal Usage)
{
    public bool Lowered => Before.Unlimited && !After.Unlimited || !After.Unlimited && (After.Amount ?? 0) < (Before.Amount ?? 0);

    /// <summary>Current usage would be over the new value (for Boolean features: access would be lost).</summary>
    public bool Exceeds => Feature.Kind == FeatureKind.Boolean ? Before.Grants && !After.Grants : !After.Unlimited && Usage > (After.Amount ?? 0);
}

public sealed record PlanChangePreviewResult(PricePlan From, PricePlan To, IReadOnlyList<PlanChangeImpact> Changes)
{
    public long PriceDifferenceCents => To.MonthlyPriceCents - From.MonthlyPriceCents;

    public IEnumerable<PlanChangeImpact> Lowered => Changes.Where(c => c.Lowered);

    /// <summary>The downgrade preview: every feature whose current usage would exceed the new plan's value.</summary>
    public IEnumerable<PlanChangeImpact> Exceeded => Changes.Where(c => c.Exceeds);

    /// <summary>Assigned-seats features with more seats assigned than the new plan allows (their usage is the seats assigned).</summary>
    public IEnumerable<PlanChangeImpact> SeatsOver => Exceeded.Where(c => c.Feature.AssignedSeats);
}

/// <summary>
/// What a plan change would do to a customer: the engine run with the new plan in place of the old, keeping
/// the add-ons and grants, compared feature by feature with current usage (this period's, or the latest level).
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
        return Preview(account, snapshot, target, await CurrentUsageAsync(account, ct));
    }

    public async Task<IReadOnlyDictionary<long, decimal>> CurrentUsageAsync(AccountEntitlements account, CancellationToken ct = default)
    {
        var period = UsagePeriod.Containing(account.At, account.Subscription.BillingAnchorDay);
        return await usage.TotalsAsync(account.Customer.Id, account.AllFeatures, period.Start, period.End, ct);
    }

    public static PlanChangePreviewResult Preview(AccountEntitlements account, CatalogSnapshot snapshot, PricePlan target, IReadOnlyDictionary<long, decimal> usage)
    {
        var inputs = new EntitlementInputs(account.AllFeatures, target, snapshot.EntitlementsOf(target), account.AddOns,
            snapshot.AddOnEntitlements.Where(e => account.AddOns.Any(a => a.AddOn.Id == e.AddOnId)).ToList(), account.Grants);
        var after = EntitlementEngine.Compute(inputs, account.At).ToDictionary(e => e.Feature.Id);
        var before = account.Entitlements.ToDictionary(e => e.Feature.Id);

        var changes = new List<PlanChangeImpact>();
        foreach (var feature in account.AllFeatures)
        {
            var b = before.TryGetValue(feature.Id, out var be) ? be.Value : EntitlementValue.Of(0);
            var a = after.TryGetValue(feature.Id, out var ae) ? ae.Value : EntitlementValue.Of(0);
            if (!b.Grants && !a.Grants) continue;
            changes.Add(new PlanChangeImpact(feature, b, a, usage.GetValueOrDefault(feature.Id)));
        }
        return new PlanChangePreviewResult(account.Plan, target, changes);
    }
}
