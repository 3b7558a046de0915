using SelfService.Catalog;
using SelfService.Entitlements;

namespace SelfService.Upgrades;

public enum UpgradeKind { AddOn, Plan }

/// <summary>One way to more: a quantity of an add-on or a plan change, with what it costs a month on top of today.</summary>
public sealed record UpgradeOption(UpgradeKind Kind, string Code, string Name, int Quantity, long MonthlyCostDeltaCents, EntitlementValue NewValue)
{
    /// <summary>Where an Owner or Admin asks for it (the request form takes these parameters).</summary>
    public string RequestUrl(string customerKey) => Kind == UpgradeKind.AddOn
        ? $"/customers/{customerKey}/requests/new?kind=addon&code={Uri.EscapeDataString(Code)}&quantity={Quantity}"
        : $"/customers/{customerKey}/requests/new?kind=plan&code={Uri.EscapeDataString(Code)}";

    public string Describe() => Kind == UpgradeKind.AddOn
        ? $"{Name} × {Quantity}"
        : $"the {Name} plan";
}

/// <summary>
/// Finds the cheapest way to cover a projected usage, or to unlock a feature the customer lacks: every add-on
/// of the customer's product family that adds to the feature (in the fewest units that cover it, within its
/// maximum) and every plan of the family (keeping today's add-ons and grants), compared by monthly cost.
/// A plan change that would leave another feature below its current usage is not offered.
/// </summary>
public static class UpgradeAdvisor
{
    public static UpgradeOption? CheapestToCover(AccountEntitlements account, CatalogSnapshot catalog, Feature feature, double needed,
        IReadOnlyDictionary<long, double> usage)
    {
        var options = new List<UpgradeOption>();
        var current = account.For(feature.Handle);
        var currentValue = current?.Value ?? EntitlementValue.Of(0);

        foreach (var addOn in catalog.CurrentAddOns.Where(a => a.Family == account.Plan.Family))
        {
            var perUnit = catalog.EntitlementsOf(addOn).FirstOrDefault(e => e.FeatureId == feature.Id);
            if (perUnit is null || !perUnit.Value.Grants) continue;
            var owned = account.AddOns.Where(a => a.AddOn.Code == addOn.Code).Sum(a => a.Quantity);
            var room = addOn.MaxQuantity - owned;
            if (room <= 0) continue;

            int units;
            if (feature.Kind == FeatureKind.Boolean || perUnit.IsUnlimited) units = 1;
            else
            {
                var missing = needed - (currentValue.Amount ?? 0);
                units = (int)Math.Ceiling(Math.Max(1, missing) / perUnit.Amount!.Value);
                if (units > room) continue;
            }
            var newValue = perUnit.IsUnlimited ? EntitlementValue.Infinite
                : feature.Kind == FeatureKind.Boolean ? EntitlementValue.True
                : EntitlementValue.Of((currentValue.Amount ?? 0) + perUnit.Amount!.Value * units);
            options.Add(new UpgradeOption(UpgradeKind.AddOn, addOn.Code, addOn.Name, units, addOn.MonthlyPriceCents * units, newValue));
        }

        foreach (var plan in catalog.CurrentPlans.Where(p => p.Family == account.Plan.Family && p.Code != account.Plan.Code))
        {
            var preview = PlanChangePreview.Preview(account, catalog, plan, usage);
            if (preview.Exceeded.Any()) continue;
            var after = preview.Changes.FirstOrDefault(c => c.Feature.Id == feature.Id)?.After ?? EntitlementValue.Of(0);
            var covers = feature.Kind == FeatureKind.Boolean ? after.Grants : after.Unlimited || (after.Amount ?? 0) >= needed;
            if (!covers) continue;
            options.Add(new UpgradeOption(UpgradeKind.Plan, plan.Code, plan.Name, 1, preview.PriceDifferenceCents, after));
        }

        return options.OrderBy(o => o.MonthlyCostDeltaCents).ThenBy(o => o.Kind).FirstOrDefault();
    }
}
