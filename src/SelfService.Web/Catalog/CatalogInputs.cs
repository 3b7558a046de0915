using System.Globalization;
using System.Text.RegularExpressions;

using SelfService.Shared;

namespace SelfService.Catalog;

public static partial class Handles
{
    public const int MaxLength = 64;

    /// <summary>Lowercase letters and digits in words joined by single dashes: <c>max-members</c>, <c>4k-streaming</c>.</summary>
    public static bool IsValid(string? handle) => handle is { Length: > 0 and <= MaxLength } && Pattern().IsMatch(handle);

    public const string Rule = "Use lowercase letters, digits and single dashes, like max-members (at most 64 characters).";

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}

public sealed class FeatureInput
{
    public string? Handle { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public FeatureKind Kind { get; set; } = FeatureKind.Limit;
    public string? Unit { get; set; }
    public Aggregation? Aggregation { get; set; }
    /// <summary>How a check without a country is answered when a source of the feature has a region rule.</summary>
    public NoCountryPolicy NoCountryPolicy { get; set; }
    /// <summary>Held seat by seat by named people of the customer (Limit features only).</summary>
    public bool AssignedSeats { get; set; }

    public static FeatureInput From(Feature f) => new()
    {
        Handle = f.Handle, Name = f.Name, Description = f.Description, Kind = f.Kind, Unit = f.Unit, Aggregation = f.Aggregation,
        NoCountryPolicy = f.NoCountryPolicy, AssignedSeats = f.AssignedSeats,
    };

    /// <summary>Checks the fields on their own; uniqueness and "in use" are checked in the write transaction.</summary>
    public (Feature? Feature, InputErrors Errors) Validate()
    {
        var errors = new InputErrors();
        var handle = Handle?.Trim() ?? "";
        if (handle.Length == 0) errors.Add(nameof(Handle), "Enter a handle: your developers check entitlements by it.");
        else if (!Handles.IsValid(handle)) errors.Add(nameof(Handle), Handles.Rule);
        var name = Name?.Trim() ?? "";
        if (name.Length == 0) errors.Add(nameof(Name), "Enter a name customers will read.");
        else if (name.Length > 100) errors.Add(nameof(Name), "Keep the name to 100 characters.");
        if ((Description?.Length ?? 0) > 500) errors.Add(nameof(Description), "Keep the description to 500 characters.");
        if (!Enum.IsDefined(Kind)) errors.Add(nameof(Kind), "Choose Boolean, Limit or Metered.");
        if (!Enum.IsDefined(NoCountryPolicy)) errors.Add(nameof(NoCountryPolicy), "Choose deny or anywhere.");
        var unit = Unit?.Trim();
        if (Kind == FeatureKind.Boolean)
        {
            unit = null;
            Aggregation = null;
        }
        else
        {
            if (string.IsNullOrEmpty(unit)) errors.Add(nameof(Unit), "Enter the unit its numbers count, like members or calls.");
            else if (unit.Length > 30) errors.Add(nameof(Unit), "Keep the unit to 30 characters.");
            if (Aggregation is null || !Enum.IsDefined(Aggregation.Value))
                errors.Add(nameof(Aggregation), "Choose how reported usage adds up: Sum, Max or Latest.");
        }
        if (AssignedSeats && Kind != FeatureKind.Limit)
            errors.Add(nameof(AssignedSeats), "Only a Limit feature can be held as assigned seats: seats are a quantity people hold, not access or metered use.");
        if (errors.Count > 0) return (null, errors);
        return (new Feature
        {
            Handle = handle, Name = name, Description = Description?.Trim() ?? "", Kind = Kind, Unit = unit, Aggregation = Aggregation, NoCountryPolicy = NoCountryPolicy,
            AssignedSeats = AssignedSeats,
        }, errors);
    }
}

/// <summary>One feature's row on a plan or add-on form. Value: empty (not included), a whole number, "unlimited", or "included" for a Boolean feature.</summary>
public sealed class EntitlementInput
{
    public long FeatureId { get; set; }
    public string? Value { get; set; }
    public bool HardCap { get; set; } = true;
    /// <summary>Where the row counts: empty (everywhere), "only" or "except"; <see cref="Places"/> names the countries and regions.</summary>
    public string? RegionMode { get; set; }
    public string? Places { get; set; }

    public const string Included = "included";

    /// <summary>The row's region rule, null for everywhere, or an error for the Places field.</summary>
    public static (RegionRule? Rule, string? Error) ParseRule(string? mode, string? places, IReadOnlyCollection<string> regionCodes)
    {
        var m = mode?.Trim().ToLowerInvariant() switch
        {
            null or "" or "everywhere" => (Catalog.RegionMode?)null,
            "only" => Catalog.RegionMode.Only,
            "except" => Catalog.RegionMode.Except,
            _ => null,
        };
        if (m is null)
        {
            // A mode no form offers (a tampered field) is refused, places or not; "everywhere" keeps no places.
            var known = mode?.Trim().ToLowerInvariant() is null or "" or "everywhere";
            return known ? (null, null) : (null, "Choose everywhere, only in or everywhere except.");
        }
        var errors = new List<string>();
        var rule = RegionRule.Parse(m.Value, (places ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries), regionCodes, errors);
        return errors.Count > 0 ? (null, string.Join(" ", errors)) : (rule, null);
    }
    public const string Unlimited = "unlimited";

    public static string Show(Feature f, EntitlementValue v) =>
        f.Kind == FeatureKind.Boolean ? (v.Grants ? Included : "")
        : v.Unlimited ? Unlimited
        : (v.Amount ?? 0).ToString(CultureInfo.InvariantCulture);

    /// <summary>The value this row sets, null when the feature is left out, or an error for the field.</summary>
    public static (EntitlementValue? Value, string? Error) Parse(Feature feature, string? text, bool allowZero = true)
    {
        var value = text?.Trim() ?? "";
        if (value.Length == 0) return (null, null);
        if (feature.Kind == FeatureKind.Boolean)
        {
            if (string.Equals(value, Included, StringComparison.OrdinalIgnoreCase) || string.Equals(value, "true", StringComparison.OrdinalIgnoreCase))
                return (EntitlementValue.True, null);
            return (null, $"{feature.Handle} is on or off, not a number: choose Included or leave it out.");
        }
        if (string.Equals(value, Unlimited, StringComparison.OrdinalIgnoreCase)) return (EntitlementValue.Infinite, null);
        var digits = value.Replace(",", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        if (long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
        {
            if (n < 0) return (null, "A value can't be negative.");
            if (n == 0 && !allowZero) return (null, "Zero adds nothing: enter at least 1.");
            if (n > 1_000_000_000_000) return (null, "That is more than this catalog can hold; use unlimited.");
            return (EntitlementValue.Of(n), null);
        }
        if (decimal.TryParse(digits, NumberStyles.Number, CultureInfo.InvariantCulture, out var d))
            return (null, d < 0 ? "A value can't be negative." : "Enter a whole number.");
        return (null, "Enter a whole number, or unlimited.");
    }
}

/// <summary>The form of a plan or an add-on: the fields they share, and the maximum quantity only add-ons have.</summary>
public sealed class OfferInput
{
    public string? Code { get; set; }
    public string? Family { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    /// <summary>Monthly price in dollars, as typed: <c>99</c> or <c>9.99</c>.</summary>
    public string? Price { get; set; }
    public bool RequiresApproval { get; set; }
    /// <summary>Add-ons only: the most units one subscription may have.</summary>
    public string? MaxQuantity { get; set; }
    public List<EntitlementInput> Entitlements { get; set; } = [];

    private void ValidateCommon(InputErrors errors, out string code, out string family, out string name, out long cents)
    {
        code = Code?.Trim() ?? "";
        if (code.Length == 0) errors.Add(nameof(Code), "Enter a code, like business.");
        else if (!Handles.IsValid(code)) errors.Add(nameof(Code), Handles.Rule);
        family = Family?.Trim() ?? "";
        if (family.Length == 0) errors.Add(nameof(Family), "Enter the family it belongs to, like team; customers move between plans of one family.");
        else if (!Handles.IsValid(family)) errors.Add(nameof(Family), Handles.Rule);
        name = Name?.Trim() ?? "";
        if (name.Length == 0) errors.Add(nameof(Name), "Enter a name customers will read.");
        else if (name.Length > 100) errors.Add(nameof(Name), "Keep the name to 100 characters.");
        if ((Description?.Length ?? 0) > 500) errors.Add(nameof(Description), "Keep the description to 500 characters.");
        cents = 0;
        var price = Price?.Trim().TrimStart('$') ?? "";
        if (price.Length == 0) errors.Add(nameof(Price), "Enter the monthly price (0 for free).");
        else if (!decimal.TryParse(price, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var dollars))
            errors.Add(nameof(Price), "Enter a price in dollars, like 99 or 9.99.");
        else if (dollars < 0) errors.Add(nameof(Price), "A price can't be negative.");
        else if (decimal.Round(dollars, 2) != dollars) errors.Add(nameof(Price), "Prices go to the cent: at most two decimals.");
        else if (dollars > 10_000_000) errors.Add(nameof(Price), "That price is too large.");
        else cents = (long)(dollars * 100);
    }

    private List<(long FeatureId, EntitlementValue Value, bool HardCap, RegionRule? Rule)> ValidateEntitlements(InputErrors errors, IReadOnlyList<Feature> features,
        IReadOnlyCollection<string> regionCodes)
    {
        var byId = features.ToDictionary(f => f.Id);
        var result = new List<(long, EntitlementValue, bool, RegionRule?)>();
        for (var i = 0; i < Entitlements.Count; i++)
        {
            var row = Entitlements[i];
            if (!byId.TryGetValue(row.FeatureId, out var feature))
            {
                errors.Add($"Entitlements[{i}].Value", "There is no such feature.");
                continue;
            }
            var (value, error) = EntitlementInput.Parse(feature, row.Value);
            var (rule, ruleError) = EntitlementInput.ParseRule(row.RegionMode, row.Places, regionCodes);
            if (error is not null) errors.Add($"Entitlements[{i}].Value", error);
            // A rule no form offers (a tampered mode) or bad places are refused on a row left empty too.
            if (ruleError is not null) errors.Add($"Entitlements[{i}].Places", ruleError);
            else if (error is null && value is { } v) result.Add((feature.Id, v, feature.Kind == FeatureKind.Metered ? row.HardCap : true, rule));
        }
        if (result.GroupBy(r => r.Item1).Any(g => g.Count() > 1)) errors.Add(nameof(Entitlements), "A feature appears twice.");
        return result;
    }

    private void Fill(CatalogSnapshot snapshot, Func<Feature, (EntitlementValue Value, bool HardCap, RegionRule? Rule)?> current)
    {
        Entitlements = snapshot.Features.Select(f =>
        {
            var c = current(f);
            return new EntitlementInput
            {
                FeatureId = f.Id, Value = c is { } v ? EntitlementInput.Show(f, v.Value) : "", HardCap = c?.HardCap ?? true,
                RegionMode = c?.Rule is { } rule ? RegionRule.Word(rule.Mode) : "", Places = c?.Rule is { } r ? string.Join(", ", r.Places) : "",
            };
        }).ToList();
    }

    public static string PriceText(long cents) => (cents / 100m).ToString(cents % 100 == 0 ? "0" : "0.00", CultureInfo.InvariantCulture);

    public static OfferInput BlankPlan(CatalogSnapshot snapshot)
    {
        var input = new OfferInput { Price = "0" };
        input.Fill(snapshot, _ => null);
        return input;
    }

    public static OfferInput From(CatalogSnapshot snapshot, PricePlan plan)
    {
        var input = new OfferInput
        {
            Code = plan.Code, Family = plan.Family, Name = plan.Name, Description = plan.Description,
            Price = PriceText(plan.MonthlyPriceCents), RequiresApproval = plan.RequiresApproval,
        };
        var entitlements = snapshot.EntitlementsOf(plan).ToDictionary(e => e.FeatureId);
        input.Fill(snapshot, f => entitlements.TryGetValue(f.Id, out var e) ? (e.Value, e.HardCap, e.Rule) : null);
        return input;
    }

    public (PricePlan? Plan, IReadOnlyList<PlanEntitlement> Entitlements, InputErrors Errors) ValidatePlan(IReadOnlyList<Feature> features,
        IReadOnlyCollection<string>? regionCodes = null)
    {
        var errors = new InputErrors();
        ValidateCommon(errors, out var code, out var family, out var name, out var cents);
        var rows = ValidateEntitlements(errors, features, regionCodes ?? []);
        if (errors.Count > 0) return (null, [], errors);
        var plan = new PricePlan { Code = code, Family = family, Name = name, Description = Description?.Trim() ?? "", MonthlyPriceCents = cents, RequiresApproval = RequiresApproval };
        return (plan, rows.Select(r => new PlanEntitlement
        {
            FeatureId = r.FeatureId, Amount = r.Value.Amount, IsUnlimited = r.Value.Unlimited, HardCap = r.HardCap, Regions = r.Rule?.Stored,
        }).ToList(), errors);
    }

    public static OfferInput BlankAddOn(CatalogSnapshot snapshot)
    {
        var input = new OfferInput { Price = "0", MaxQuantity = "1", RequiresApproval = true };
        input.Fill(snapshot, _ => null);
        return input;
    }

    public static OfferInput From(CatalogSnapshot snapshot, AddOn addOn)
    {
        var input = new OfferInput
        {
            Code = addOn.Code, Family = addOn.Family, Name = addOn.Name, Description = addOn.Description,
            Price = PriceText(addOn.MonthlyPriceCents), RequiresApproval = addOn.RequiresApproval,
            MaxQuantity = addOn.MaxQuantity.ToString(CultureInfo.InvariantCulture),
        };
        var entitlements = snapshot.EntitlementsOf(addOn).ToDictionary(e => e.FeatureId);
        input.Fill(snapshot, f => entitlements.TryGetValue(f.Id, out var e) ? (e.Value, true, e.Rule) : null);
        return input;
    }

    public (AddOn? AddOn, IReadOnlyList<AddOnEntitlement> Entitlements, InputErrors Errors) ValidateAddOn(IReadOnlyList<Feature> features,
        IReadOnlyCollection<string>? regionCodes = null)
    {
        var errors = new InputErrors();
        ValidateCommon(errors, out var code, out var family, out var name, out var cents);
        var max = 0;
        if (!int.TryParse(MaxQuantity?.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out max))
            errors.Add(nameof(MaxQuantity), "Enter the most units one subscription may have, a whole number.");
        else if (max < 1) errors.Add(nameof(MaxQuantity), "The maximum quantity is at least 1.");
        else if (max > 10_000) errors.Add(nameof(MaxQuantity), "The maximum quantity is at most 10,000.");
        var rows = ValidateEntitlements(errors, features, regionCodes ?? []);
        if (errors.Count == 0 && rows.Count == 0) errors.Add(nameof(Entitlements), "An add-on gives at least one entitlement.");
        if (errors.Count > 0) return (null, [], errors);
        var addOn = new AddOn
        {
            Code = code, Family = family, Name = name, Description = Description?.Trim() ?? "", MonthlyPriceCents = cents,
            MaxQuantity = max, RequiresApproval = RequiresApproval,
        };
        return (addOn, rows.Select(r => new AddOnEntitlement
        {
            FeatureId = r.FeatureId, Amount = r.Value.Amount, IsUnlimited = r.Value.Unlimited, Regions = r.Rule?.Stored,
        }).ToList(), errors);
    }
}
