using SelfService.Catalog;
using SelfService.Customers;

namespace SelfService.Entitlements;

public enum SourceKind { Plan, AddOn, Grant }

/// <summary>One contribution to an effective entitlement, kept so a person can see why they have it.</summary>
public sealed record EntitlementSource(
    SourceKind Kind,
    string Name,
    EntitlementValue Value,
    int Quantity = 1,
    string? Code = null,
    long? GrantId = null,
    string? Reason = null,
    string? GrantedBy = null,
    DateTime? ValidFrom = null,
    DateTime? ValidUntil = null)
{
    /// <summary>What this source adds: its value times the quantity bought.</summary>
    public EntitlementValue Contribution => Value.Unlimited ? EntitlementValue.Infinite : new((Value.Amount ?? 0) * Quantity, false);
}

/// <summary>What a customer has for one feature at one instant, with every source valid at that instant.</summary>
public sealed record EffectiveEntitlement(Feature Feature, EntitlementValue Value, bool HardCap, IReadOnlyList<EntitlementSource> Sources)
{
    public bool HasAccess => Value.Grants;
    public bool Unlimited => Value.Unlimited;
    public long? Limit => Feature.IsNumeric && !Value.Unlimited ? Value.Amount ?? 0 : null;
}

/// <summary>Everything the engine needs about one subscription, loaded in one go.</summary>
public sealed record EntitlementInputs(
    IReadOnlyList<Feature> Features,
    PricePlan Plan,
    IReadOnlyList<PlanEntitlement> PlanEntitlements,
    IReadOnlyList<(AddOn AddOn, int Quantity)> AddOns,
    IReadOnlyList<AddOnEntitlement> AddOnEntitlements,
    IReadOnlyList<EntitlementGrant> Grants);

/// <summary>
/// The one place the entitlement rules live. Boolean: any source grants it. Numbers: plan value
/// + Σ add-on value × quantity + Σ grant values; unlimited if any source is unlimited. A grant counts
/// only inside its window <c>[validFrom, validUntil)</c>, whatever the expiry job has done.
/// </summary>
public static class EntitlementEngine
{
    public static IReadOnlyList<EffectiveEntitlement> Compute(EntitlementInputs inputs, DateTime instant)
    {
        var sources = new Dictionary<long, List<EntitlementSource>>();
        var hardCaps = new Dictionary<long, bool>();
        void Add(long featureId, EntitlementSource source)
        {
            if (!sources.TryGetValue(featureId, out var list)) sources[featureId] = list = [];
            list.Add(source);
        }

        foreach (var pe in inputs.PlanEntitlements)
        {
            Add(pe.FeatureId, new EntitlementSource(SourceKind.Plan, inputs.Plan.Name, pe.Value, Code: inputs.Plan.Code));
            hardCaps[pe.FeatureId] = pe.HardCap;
        }

        var addOnsById = inputs.AddOns.ToDictionary(a => a.AddOn.Id);
        foreach (var ae in inputs.AddOnEntitlements)
        {
            if (!addOnsById.TryGetValue(ae.AddOnId, out var owned) || owned.Quantity <= 0) continue;
            Add(ae.FeatureId, new EntitlementSource(SourceKind.AddOn, owned.AddOn.Name, ae.Value, owned.Quantity, owned.AddOn.Code));
        }

        foreach (var grant in inputs.Grants.Where(g => g.IsEffectiveAt(instant)))
        {
            Add(grant.FeatureId, new EntitlementSource(SourceKind.Grant, "Granted to this subscription",
                new EntitlementValue(grant.Amount, grant.IsUnlimited), GrantId: grant.Id, Reason: grant.Reason,
                GrantedBy: grant.GrantedBy, ValidFrom: grant.ValidFrom, ValidUntil: grant.ValidUntil));
        }

        var result = new List<EffectiveEntitlement>();
        foreach (var feature in inputs.Features.OrderBy(f => f.Handle, StringComparer.Ordinal))
        {
            if (!sources.TryGetValue(feature.Id, out var list)) continue;
            var value = Combine(feature, list);
            result.Add(new EffectiveEntitlement(feature, value, hardCaps.GetValueOrDefault(feature.Id, true), list));
        }
        return result;
    }

    public static EntitlementValue Combine(Feature feature, IEnumerable<EntitlementSource> sources)
    {
        var contributions = sources.Select(s => s.Contribution).ToList();
        if (feature.Kind == FeatureKind.Boolean)
            return contributions.Any(c => c.Grants) ? EntitlementValue.True : EntitlementValue.Of(0);
        if (contributions.Any(c => c.Unlimited))
            return EntitlementValue.Infinite;
        return EntitlementValue.Of(contributions.Sum(c => c.Amount ?? 0));
    }
}
