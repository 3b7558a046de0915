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
    DateTime? ValidUntil = null,
    RegionRule? Rule = null)
{
    /// <summary>What this source adds: its value times the quantity bought.</summary>
    public EntitlementValue Contribution => Value.Unlimited ? EntitlementValue.Infinite : new((Value.Amount ?? 0) * Quantity, false);
}

/// <summary>Why sources valid at the instant do not count where the question was asked.</summary>
public enum RegionDenial
{
    None,
    /// <summary>A source exists, but none is valid in the country asked.</summary>
    RegionNotAllowed,
    /// <summary>The country asked is on the embargo list: nothing is granted there.</summary>
    Embargoed,
    /// <summary>No country was given, the feature's policy is deny, and every source has a region rule.</summary>
    CountryRequired,
}

/// <summary>Where a question is asked: anywhere (the rules are shown, not applied), in no country given, or in one country.</summary>
public sealed record Where
{
    private Where(string? country, bool anywhere) { Country = country; IsAnywhere = anywhere; }

    /// <summary>Every source counts: what a customer has wherever its rules allow (the portal's view).</summary>
    public static readonly Where Anywhere = new(null, true);

    /// <summary>A check that names no country: each feature's <see cref="NoCountryPolicy"/> decides.</summary>
    public static readonly Where Unknown = new(null, false);

    /// <summary>A check for <paramref name="country"/>, an assigned ISO 3166-1 alpha-2 code in upper case.</summary>
    public static Where In(string country) => new(country, false);

    public static Where For(string? country) => country is null ? Unknown : In(country);

    public string? Country { get; }
    public bool IsAnywhere { get; }
}

/// <summary>
/// What a customer has for one feature at one instant (and place), with every source valid at that instant that counts
/// there (<see cref="Sources"/>) and those whose region rule keeps them out (<see cref="Excluded"/>).
/// </summary>
public sealed record EffectiveEntitlement(Feature Feature, EntitlementValue Value, bool HardCap, IReadOnlyList<EntitlementSource> Sources)
{
    public IReadOnlyList<EntitlementSource> Excluded { get; init; } = [];
    public RegionDenial RegionDenial { get; init; }

    /// <summary>Every source valid at the instant, counted here or not, in the engine's order.</summary>
    public IEnumerable<EntitlementSource> AllSources => Sources.Concat(Excluded);

    public bool HasRegionRules => AllSources.Any(s => s.Rule is not null);

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
    IReadOnlyList<EntitlementGrant> Grants,
    RegionCatalog? Regions = null,
    ScheduledPlan? Scheduled = null)
{
    public RegionCatalog RegionCatalog => Regions ?? RegionCatalog.Empty;

    /// <summary>The plan in force at <paramref name="instant"/>: the scheduled one from its instant on, whether its job has run or not.</summary>
    public (PricePlan Plan, IReadOnlyList<PlanEntitlement> Entitlements) PlanAt(DateTime instant) =>
        Scheduled is { } s && s.Change.EffectiveAt <= instant ? (s.Plan, s.Entitlements) : (Plan, PlanEntitlements);

    /// <summary>The pending plan change still ahead of <paramref name="instant"/>; null when none, or once it is in force.</summary>
    public ScheduledPlan? PendingAt(DateTime instant) => Scheduled is { } s && instant < s.Change.EffectiveAt ? s : null;
}

/// <summary>A pending scheduled plan change with the plan it moves to.</summary>
public sealed record ScheduledPlan(ScheduledPlanChange Change, PricePlan Plan, IReadOnlyList<PlanEntitlement> Entitlements);

/// <summary>
/// The one place the entitlement rules live. Boolean: any source grants it. Numbers: plan value
/// + Σ add-on value × quantity + Σ grant values; unlimited if any source is unlimited. A grant counts
/// only inside its window <c>[validFrom, validUntil)</c>, whatever the expiry job has done. Asked in a country, a
/// source counts only where its region rule allows, numbers sum only the sources that count there, and a country on
/// the embargo list gets nothing. A pending scheduled plan change counts from its instant on, not a tick earlier,
/// whatever its job has done. Asked without a country, a feature whose sources carry rules follows its
/// <see cref="NoCountryPolicy"/>: deny (only sources without a rule count) or anywhere (every source counts).
/// </summary>
public static class EntitlementEngine
{
    /// <summary>Every source counts (<see cref="Where.Anywhere"/>): what the customer has wherever the rules allow.</summary>
    public static IReadOnlyList<EffectiveEntitlement> Compute(EntitlementInputs inputs, DateTime instant) =>
        Compute(inputs, instant, Where.Anywhere);

    public static IReadOnlyList<EffectiveEntitlement> Compute(EntitlementInputs inputs, DateTime instant, Where where)
    {
        var sources = new Dictionary<long, List<EntitlementSource>>();
        var hardCaps = new Dictionary<long, bool>();
        void Add(long featureId, EntitlementSource source)
        {
            if (!sources.TryGetValue(featureId, out var list)) sources[featureId] = list = [];
            list.Add(source);
        }

        var (plan, planEntitlements) = inputs.PlanAt(instant);
        foreach (var pe in planEntitlements)
        {
            Add(pe.FeatureId, new EntitlementSource(SourceKind.Plan, plan.Name, pe.Value, Code: plan.Code, Rule: pe.Rule));
            hardCaps[pe.FeatureId] = pe.HardCap;
        }

        var addOnsById = inputs.AddOns.ToDictionary(a => a.AddOn.Id);
        foreach (var ae in inputs.AddOnEntitlements)
        {
            if (!addOnsById.TryGetValue(ae.AddOnId, out var owned) || owned.Quantity <= 0) continue;
            Add(ae.FeatureId, new EntitlementSource(SourceKind.AddOn, owned.AddOn.Name, ae.Value, owned.Quantity, owned.AddOn.Code, Rule: ae.Rule));
        }

        foreach (var grant in inputs.Grants.Where(g => g.IsEffectiveAt(instant)))
        {
            Add(grant.FeatureId, new EntitlementSource(SourceKind.Grant, "Granted to this subscription",
                new EntitlementValue(grant.Amount, grant.IsUnlimited), GrantId: grant.Id, Reason: grant.Reason,
                GrantedBy: grant.GrantedBy, ValidFrom: grant.ValidFrom, ValidUntil: grant.ValidUntil, Rule: grant.Rule));
        }

        var result = new List<EffectiveEntitlement>();
        foreach (var feature in inputs.Features.OrderBy(f => f.Handle, StringComparer.Ordinal))
        {
            if (!sources.TryGetValue(feature.Id, out var list)) continue;
            var (counted, excluded, denial) = Place(feature, list, where, inputs.RegionCatalog);
            var value = Combine(feature, counted);
            result.Add(new EffectiveEntitlement(feature, value, hardCaps.GetValueOrDefault(feature.Id, true), counted)
            {
                Excluded = excluded, RegionDenial = denial,
            });
        }
        return result;
    }

    /// <summary>Which of a feature's sources count where the question is asked, and why none does when none does.</summary>
    private static (List<EntitlementSource> Counted, List<EntitlementSource> Excluded, RegionDenial Denial) Place(
        Feature feature, List<EntitlementSource> sources, Where where, RegionCatalog regions)
    {
        if (where.IsAnywhere) return (sources, [], RegionDenial.None);
        if (where.Country is { } country)
        {
            if (regions.IsEmbargoed(country)) return ([], sources, RegionDenial.Embargoed);
            var counted = sources.Where(s => regions.Allows(s.Rule, country)).ToList();
            var excluded = sources.Where(s => !regions.Allows(s.Rule, country)).ToList();
            return (counted, excluded, counted.Count == 0 && excluded.Count > 0 ? RegionDenial.RegionNotAllowed : RegionDenial.None);
        }
        if (feature.NoCountryPolicy == NoCountryPolicy.Anywhere || sources.All(s => s.Rule is null)) return (sources, [], RegionDenial.None);
        var unruled = sources.Where(s => s.Rule is null).ToList();
        var ruled = sources.Where(s => s.Rule is not null).ToList();
        return (unruled, ruled, unruled.Count == 0 ? RegionDenial.CountryRequired : RegionDenial.None);
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
