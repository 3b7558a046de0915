using SelfService.Catalog;
using SelfService.Entitlements;

namespace SelfService.Upgrades;

public enum UpgradeKind { AddOn, Plan }

/// <summary>An add-on quantity bought together with a plan change: the second request of a combined option.</summary>
public sealed record UpgradeAddOn(string Code, string Name, int Quantity, long MonthlyCostCents);

/// <summary>
/// One way to more: a quantity of an add-on, a plan change, or a plan change with an add-on quantity on top
/// (<see cref="With"/>), with what it costs a month on top of today and the value the feature then has.
/// </summary>
public sealed record UpgradeOption(UpgradeKind Kind, string Code, string Name, int Quantity, long MonthlyCostDeltaCents, EntitlementValue NewValue)
{
    /// <summary>The add-on asked for after the plan change, when the plan alone is not enough.</summary>
    public UpgradeAddOn? With { get; init; }

    /// <summary>A newer version of the plan the customer is on (same code): moving to it is a plan change too.</summary>
    public bool IsCurrentVersionOfOwnPlan { get; init; }

    /// <summary>Where an Owner or Admin asks for it (the request form takes these parameters); for a combination, the plan first.</summary>
    public string RequestUrl(string customerKey) => Kind == UpgradeKind.AddOn
        ? AddOnUrl(customerKey, Code, Quantity)
        : $"/customers/{customerKey}/requests/new?kind=plan&code={Uri.EscapeDataString(Code)}";

    public string? WithRequestUrl(string customerKey) => With is { } w ? AddOnUrl(customerKey, w.Code, w.Quantity) : null;

    private static string AddOnUrl(string customerKey, string code, int quantity) =>
        $"/customers/{customerKey}/requests/new?kind=addon&code={Uri.EscapeDataString(code)}&quantity={quantity}";

    public string Describe()
    {
        var first = Kind == UpgradeKind.AddOn ? $"{Name} × {Quantity}"
            : IsCurrentVersionOfOwnPlan ? $"the current {Name} plan" : $"the {Name} plan";
        return With is { } w ? $"{first} with {w.Name} × {w.Quantity}" : first;
    }
}

/// <summary>
/// What the advisor found for a need: the cheapest option that covers it, or, when none does, the option that
/// covers the most and how far it still falls short.
/// </summary>
public sealed record UpgradeAdvice(UpgradeOption? Cheapest, UpgradeOption? Most, decimal Needed)
{
    /// <summary>How much of <see cref="Needed"/> the option covering the most still leaves out (0 when one covers it).</summary>
    public decimal ShortBy => Cheapest is not null || Most is null || Most.NewValue.Unlimited ? 0 : Math.Max(0, Needed - (Most.NewValue.Amount ?? 0));
}

/// <summary>
/// Finds the cheapest way to cover a projected usage, or to unlock a feature the customer lacks. It weighs every
/// add-on of the customer's product family that adds to the feature, in any quantity up to its maximum; every
/// plan of the family, including the current version of the customer's own plan when theirs is superseded
/// (keeping today's add-ons and grants); and each such plan with an add-on quantity on top. A plan change that
/// would leave another feature below its current usage is not offered. When nothing covers the need, it names
/// the option that gives the most, and by how much it falls short.
/// </summary>
public static class UpgradeAdvisor
{
    public static UpgradeOption? CheapestToCover(AccountEntitlements account, CatalogSnapshot catalog, Feature feature, decimal needed,
        IReadOnlyDictionary<long, decimal> usage) => Advise(account, catalog, feature, needed, usage).Cheapest;

    public static UpgradeAdvice Advise(AccountEntitlements account, CatalogSnapshot catalog, Feature feature, decimal needed,
        IReadOnlyDictionary<long, decimal> usage)
    {
        var family = account.Plan.Family;
        var currentValue = account.For(feature.Handle)?.Value ?? EntitlementValue.Of(0);
        var addOns = catalog.CurrentAddOns.Where(a => a.Family == family)
            .Select(a => (AddOn: a, PerUnit: catalog.EntitlementsOf(a).FirstOrDefault(e => e.FeatureId == feature.Id),
                          Room: a.MaxQuantity - account.AddOns.Where(h => h.AddOn.Code == a.Code).Sum(h => h.Quantity)))
            .Where(a => a.PerUnit is { Value.Grants: true } && a.Room > 0)
            .Select(a => (a.AddOn, PerUnit: a.PerUnit!, a.Room))
            .ToList();

        // Each base (today's subscription, or a plan change) alone, and with each add-on in the fewest units that cover
        // the need or, when even its maximum does not, at that maximum.
        var bases = new List<(UpgradeOption? Plan, EntitlementValue Value, long Cost)> { (null, currentValue, 0) };
        foreach (var plan in catalog.CurrentPlans.Where(p => p.Family == family && p.Id != account.Plan.Id))
        {
            var preview = PlanChangePreview.Preview(account, catalog, plan, usage);
            if (preview.Exceeded.Any()) continue;
            var after = preview.Changes.FirstOrDefault(c => c.Feature.Id == feature.Id)?.After ?? EntitlementValue.Of(0);
            bases.Add((new UpgradeOption(UpgradeKind.Plan, plan.Code, plan.Name, 1, preview.PriceDifferenceCents, after)
            {
                IsCurrentVersionOfOwnPlan = plan.Code == account.Plan.Code,
            }, after, preview.PriceDifferenceCents));
        }

        var options = new List<UpgradeOption>();
        foreach (var (plan, value, cost) in bases)
        {
            if (plan is not null) options.Add(plan);
            foreach (var (addOn, perUnit, room) in addOns)
            {
                int units;
                if (feature.Kind == FeatureKind.Boolean || perUnit.IsUnlimited || value.Unlimited) units = 1;
                else
                {
                    var missing = needed - (value.Amount ?? 0);
                    units = (int)Math.Min(room, Math.Ceiling(Math.Max(1, missing) / perUnit.Amount!.Value));
                }
                var newValue = perUnit.IsUnlimited || value.Unlimited ? EntitlementValue.Infinite
                    : feature.Kind == FeatureKind.Boolean ? EntitlementValue.True
                    : EntitlementValue.Of((value.Amount ?? 0) + perUnit.Amount!.Value * units);
                var addOnCost = addOn.MonthlyPriceCents * units;
                options.Add(plan is null
                    ? new UpgradeOption(UpgradeKind.AddOn, addOn.Code, addOn.Name, units, addOnCost, newValue)
                    : plan with { MonthlyCostDeltaCents = cost + addOnCost, NewValue = newValue, With = new UpgradeAddOn(addOn.Code, addOn.Name, units, addOnCost) });
            }
        }

        bool Covers(UpgradeOption o) => feature.Kind == FeatureKind.Boolean ? o.NewValue.Grants : o.NewValue.Unlimited || (o.NewValue.Amount ?? 0) >= needed;
        // A plan alone before a combination, an add-on before a plan, at the same price: the fewest requests.
        var cheapest = options.Where(Covers)
            .OrderBy(o => o.MonthlyCostDeltaCents).ThenBy(o => o.With is null ? 0 : 1).ThenBy(o => o.Kind).FirstOrDefault();
        if (cheapest is not null || feature.Kind == FeatureKind.Boolean) return new UpgradeAdvice(cheapest, null, needed);
        var most = options.Where(o => o.NewValue.Unlimited || (o.NewValue.Amount ?? 0) > (currentValue.Amount ?? 0))
            .OrderByDescending(o => o.NewValue.Amount ?? 0).ThenBy(o => o.MonthlyCostDeltaCents).ThenBy(o => o.With is null ? 0 : 1).FirstOrDefault();
        return new UpgradeAdvice(null, most, needed);
    }
}
