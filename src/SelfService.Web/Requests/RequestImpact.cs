using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Entitlements;

namespace SelfService.Requests;

/// <summary>One feature's effective value before and after a request would be provisioned.</summary>
public sealed record ImpactRow(Feature Feature, EntitlementValue Before, EntitlementValue After)
{
    public bool Raised => After.Unlimited && !Before.Unlimited || !Before.Unlimited && (After.Amount ?? 0) > (Before.Amount ?? 0);
}

/// <summary>What provisioning a request would change, at the instant it would take effect.</summary>
public sealed record RequestImpactResult(DateTime At, IReadOnlyList<ImpactRow> Rows);

/// <summary>
/// Runs <see cref="EntitlementEngine"/> on the account as it is and as it would be once a request is provisioned:
/// the rules stay in the engine, this only swaps the inputs.
/// </summary>
public static class RequestImpact
{
    public static RequestImpactResult AddOn(AccountEntitlements account, CatalogSnapshot snapshot, AddOn addOn, int quantity)
    {
        var addOns = account.AddOns.ToList();
        var index = addOns.FindIndex(a => a.AddOn.Id == addOn.Id);
        if (index >= 0) addOns[index] = (addOns[index].AddOn, addOns[index].Quantity + quantity);
        else addOns.Add((addOn, quantity));
        return Compare(account, Inputs(account, snapshot, account.Plan), Inputs(account, snapshot, account.Plan, addOns: addOns), account.At);
    }

    public static RequestImpactResult Plan(AccountEntitlements account, CatalogSnapshot snapshot, PricePlan plan) =>
        Compare(account, Inputs(account, snapshot, account.Plan), Inputs(account, snapshot, plan), account.At);

    /// <summary>A grant of <paramref name="amount"/> over <c>[from, from + days)</c>, compared at <paramref name="from"/>.</summary>
    public static RequestImpactResult Access(AccountEntitlements account, CatalogSnapshot snapshot, Feature feature, long amount, DateTime from, int days)
    {
        var grant = new EntitlementGrant
        {
            FeatureId = feature.Id, Amount = amount, Reason = "requested", GrantedBy = "request",
            ValidFrom = from, ValidUntil = from.AddDays(days), CreatedAt = from,
        };
        return Compare(account, Inputs(account, snapshot, account.Plan), Inputs(account, snapshot, account.Plan, grants: [.. account.Grants, grant]), from);
    }

    /// <summary>When a temporary grant would start: now, or when the grant it extends ends.</summary>
    public static DateTime AccessStart(DateTime now, EntitlementGrant? extends) =>
        extends?.ValidUntil is { } until && until > now ? until : now;

    private static EntitlementInputs Inputs(AccountEntitlements account, CatalogSnapshot snapshot, PricePlan plan,
        IReadOnlyList<(AddOn AddOn, int Quantity)>? addOns = null, IReadOnlyList<EntitlementGrant>? grants = null)
    {
        addOns ??= account.AddOns;
        var ids = addOns.Select(a => a.AddOn.Id).ToHashSet();
        return new EntitlementInputs(account.AllFeatures, plan, snapshot.EntitlementsOf(plan), addOns,
            snapshot.AddOnEntitlements.Where(e => ids.Contains(e.AddOnId)).ToList(), grants ?? account.Grants);
    }

    private static RequestImpactResult Compare(AccountEntitlements account, EntitlementInputs before, EntitlementInputs after, DateTime at)
    {
        var b = EntitlementEngine.Compute(before, at).ToDictionary(e => e.Feature.Id);
        var a = EntitlementEngine.Compute(after, at).ToDictionary(e => e.Feature.Id);
        var rows = new List<ImpactRow>();
        foreach (var feature in account.AllFeatures)
        {
            var bv = b.TryGetValue(feature.Id, out var be) ? be.Value : EntitlementValue.Of(0);
            var av = a.TryGetValue(feature.Id, out var ae) ? ae.Value : EntitlementValue.Of(0);
            if (bv != av) rows.Add(new ImpactRow(feature, bv, av));
        }
        return new RequestImpactResult(at, rows);
    }
}
