using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Entitlements;
using SelfService.Upgrades;

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

/// <summary>
/// The before → after of one request, as the request form and the approver's page both show it: the engine's rows for
/// an add-on or temporary access, the plan-change preview (against current usage) for a plan change.
/// </summary>
public sealed record RequestPreview(RequestImpactResult? Impact, PlanChangePreviewResult? Plan)
{
    public static readonly RequestPreview None = new(null, null);

    /// <summary>
    /// What asking for <paramref name="kind"/> would change. The item asked for is <paramref name="addOn"/>, <paramref name="plan"/>
    /// or <paramref name="feature"/> (the one of the kind; null when the form names nothing real, and then there is no preview).
    /// </summary>
    public static async Task<RequestPreview> OfAsync(AccountEntitlements account, CatalogSnapshot snapshot, PlanChangePreview planPreview,
        RequestKind? kind, AddOn? addOn, PricePlan? plan, Feature? feature, int quantity, int days, long? extendsGrantId, CancellationToken ct) => kind switch
    {
        RequestKind.AddOn when addOn is not null => new(RequestImpact.AddOn(account, snapshot, addOn, quantity), null),
        RequestKind.Plan when plan is not null => new(null, await planPreview.PreviewAsync(account, snapshot, plan, ct)),
        RequestKind.Access when feature is not null => new(RequestImpact.Access(account, snapshot, feature, feature.Kind == FeatureKind.Boolean ? 1 : quantity,
            RequestImpact.AccessStart(account.At, account.Grants.FirstOrDefault(g => g.Id == extendsGrantId)), days), null),
        _ => None,
    };
}
