namespace SelfService.Catalog;

public enum FeatureKind { Boolean, Limit, Metered }

public enum Aggregation { Sum, Max, Latest }

/// <summary>How a check without a country is answered when a source of the feature has a region rule.</summary>
public enum NoCountryPolicy
{
    /// <summary>Sources with a region rule do not count (the default).</summary>
    Deny,
    /// <summary>As in a country every source allows: every source counts.</summary>
    Anywhere,
}

public sealed record Feature
{
    public long Id { get; init; }
    public required string Handle { get; init; }
    public required string Name { get; init; }
    public string Description { get; init; } = "";
    public FeatureKind Kind { get; init; }
    public string? Unit { get; init; }
    public Aggregation? Aggregation { get; init; }
    public NoCountryPolicy NoCountryPolicy { get; init; }
    /// <summary>A Limit feature held seat by seat by named people (max-members): its usage is the number of seats assigned.</summary>
    public bool AssignedSeats { get; init; }

    public bool IsNumeric => Kind != FeatureKind.Boolean;
}

/// <summary>What a plan and an add-on share: a versioned offer, superseded by its next version once in use.</summary>
public interface IOffer
{
    long Id { get; }
    string Code { get; }
    int Version { get; }
    string Family { get; }
    string Name { get; }
    long? SupersededById { get; }
}

public sealed record PricePlan : IOffer
{
    public long Id { get; init; }
    public required string Code { get; init; }
    public int Version { get; init; }
    public required string Family { get; init; }
    public required string Name { get; init; }
    public string Description { get; init; } = "";
    public long MonthlyPriceCents { get; init; }
    public bool RequiresApproval { get; init; }
    public long? SupersededById { get; init; }
}

public sealed record AddOn : IOffer
{
    public long Id { get; init; }
    public required string Code { get; init; }
    public int Version { get; init; }
    public required string Family { get; init; }
    public required string Name { get; init; }
    public string Description { get; init; } = "";
    public long MonthlyPriceCents { get; init; }
    public int MaxQuantity { get; init; }
    public bool RequiresApproval { get; init; }
    public long? SupersededById { get; init; }
}

/// <summary>One feature's value on a plan, an add-on (per unit) or a grant: a number, true (1) or unlimited.</summary>
public readonly record struct EntitlementValue(long? Amount, bool Unlimited)
{
    public static EntitlementValue True => new(1, false);
    public static EntitlementValue Infinite => new(null, true);
    public static EntitlementValue Of(long amount) => new(amount, false);

    public bool Grants => Unlimited || Amount > 0;
}

public sealed record PlanEntitlement
{
    public long PlanId { get; init; }
    public long FeatureId { get; init; }
    public long? Amount { get; init; }
    public bool IsUnlimited { get; init; }
    public bool HardCap { get; init; } = true;
    /// <summary>The stored region rule (<see cref="RegionRule"/>); null: valid everywhere.</summary>
    public string? Regions { get; init; }

    public EntitlementValue Value => new(Amount, IsUnlimited);
    public RegionRule? Rule => RegionRule.FromStored(Regions);
}

public sealed record AddOnEntitlement
{
    public long AddOnId { get; init; }
    public long FeatureId { get; init; }
    public long? Amount { get; init; }
    public bool IsUnlimited { get; init; }
    /// <summary>The stored region rule (<see cref="RegionRule"/>); null: valid everywhere.</summary>
    public string? Regions { get; init; }

    public EntitlementValue Value => new(Amount, IsUnlimited);
    public RegionRule? Rule => RegionRule.FromStored(Regions);
}

public static class Money
{
    public static string Format(long cents) =>
        (cents / 100m).ToString(cents % 100 == 0 ? "$#,0" : "$#,0.00", System.Globalization.CultureInfo.InvariantCulture);
}
