namespace SelfService.Customers;

public sealed record Customer
{
    public long Id { get; init; }
    public required string ExternalKey { get; init; }
    public required string Name { get; init; }
}

public enum SubscriptionStatus { Active, Suspended, Cancelled }

public sealed record Subscription
{
    public long Id { get; init; }
    public long CustomerId { get; init; }
    public long PlanId { get; init; }
    public SubscriptionStatus Status { get; init; }
    public int BillingAnchorDay { get; init; }
    public DateTime StartedAt { get; init; }
}

public sealed record SubscriptionAddOn
{
    public long SubscriptionId { get; init; }
    public long AddOnId { get; init; }
    public int Quantity { get; init; }
}

public sealed record EntitlementGrant
{
    public long Id { get; init; }
    public long SubscriptionId { get; init; }
    public long FeatureId { get; init; }
    public long? Amount { get; init; }
    public bool IsUnlimited { get; init; }
    public required string Reason { get; init; }
    public required string GrantedBy { get; init; }
    public DateTime? ValidFrom { get; init; }
    public DateTime? ValidUntil { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? RevokedAt { get; init; }
    /// <summary>The stored region rule (<see cref="SelfService.Catalog.RegionRule"/>); null: valid everywhere.</summary>
    public string? Regions { get; init; }

    public SelfService.Catalog.RegionRule? Rule => SelfService.Catalog.RegionRule.FromStored(Regions);

    /// <summary>Whether the grant counts at <paramref name="instant"/>: inside <c>[ValidFrom, ValidUntil)</c> and not revoked by then.</summary>
    public bool IsEffectiveAt(DateTime instant) =>
        (ValidFrom is null || ValidFrom <= instant)
        && (ValidUntil is null || instant < ValidUntil)
        && (RevokedAt is null || instant < RevokedAt);
}

public enum GrantState { Scheduled, Active, Ended, Revoked }

public static class GrantWindow
{
    /// <summary>Where a grant stands at <paramref name="now"/>, by its window and revocation, whatever the expiry job has done.</summary>
    public static GrantState StateAt(DateTime? validFrom, DateTime? validUntil, DateTime? revokedAt, DateTime now) =>
        revokedAt is not null ? GrantState.Revoked
        : validUntil is { } until && until <= now ? GrantState.Ended
        : validFrom is { } from && from > now ? GrantState.Scheduled
        : GrantState.Active;
}

public enum ScheduledChangeState { Pending, Applied, Cancelled, Replaced }

/// <summary>
/// A plan change that takes effect at <see cref="EffectiveAt"/> (a downgrade waits for the end of the billing period).
/// While <see cref="ScheduledChangeState.Pending"/> the entitlement engine already counts the new plan from that instant;
/// the job records it (moves the subscription's plan) then.
/// </summary>
public sealed record ScheduledPlanChange
{
    public long Id { get; init; }
    public long SubscriptionId { get; init; }
    public long FromPlanId { get; init; }
    public long ToPlanId { get; init; }
    public DateTime EffectiveAt { get; init; }
    public ScheduledChangeState State { get; init; }
    public long? RequestId { get; init; }
    public DateTime CreatedAt { get; init; }
    public string CreatedBy { get; init; } = "";
}
