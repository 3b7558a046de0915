using System.Data.Common;
using SelfService.Customers;

namespace SelfService.Entitlements;

/// <summary>What <see cref="SubscriptionChanges"/> compares before and after a change, computed by the entitlement engine.</summary>
public sealed class AccountStates(EntitlementService entitlements) : IAccountStates
{
    public Task<AccountState?> ReadAsync(DbConnection c, DbTransaction tx, long customerId, DateTime at) => entitlements.StateAsync(c, tx, customerId, at);
}
