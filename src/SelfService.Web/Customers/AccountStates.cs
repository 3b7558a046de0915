using System.Data.Common;

namespace SelfService.Customers;

/// <summary>One add-on a subscription holds, as outbound events name it.</summary>
public sealed record AddOnHeld(string Code, int Quantity);

/// <summary>
/// A customer's subscription and effective entitlements at one instant, as the <c>subscription.changed</c> and
/// <c>entitlements.changed</c> events describe them. <see cref="Entitlements"/> holds every feature of the catalog by
/// handle: <c>true</c>/<c>false</c> for a Boolean feature, a number or <c>"unlimited"</c> for the others, and null when
/// the customer is not entitled to it. A subscription that is not active is entitled to nothing (the check refuses).
/// </summary>
public sealed record AccountState(string Customer, string Plan, int PlanVersion, string Status, int BillingAnchorDay, IReadOnlyList<AddOnHeld> AddOns,
    IReadOnlyDictionary<string, object?> Entitlements)
{
    /// <summary>The plan change still ahead of the instant the state was read at, if any.</summary>
    public ScheduledChangeHeld? Scheduled { get; init; }
}

/// <summary>A pending scheduled plan change, as outbound events name it.</summary>
public sealed record ScheduledChangeHeld(string Plan, int PlanVersion, DateTime At);

/// <summary>
/// Reads an <see cref="AccountState"/> on the caller's connection and transaction, so it sees the change being made.
/// The entitlement engine computes it, from the folder above this one (<c>Entitlements/</c>), which registers it.
/// </summary>
public interface IAccountStates
{
    /// <summary>The account as of <paramref name="at"/>; null when the customer has no subscription.</summary>
    Task<AccountState?> ReadAsync(DbConnection c, DbTransaction tx, long customerId, DateTime at);
}
