using Dapper;
using SelfService.Customers;
using SelfService.Data;
using SelfService.Entitlements;
using SelfService.Jobs;
using SelfService.Notifications;

namespace SelfService.Requests;

/// <summary>
/// Marks grants past their <c>validUntil</c> as expired, with an audit entry and the customer's notification.
/// Entitlements never wait for it (the engine ignores a grant past its window); it records and announces.
/// Idempotent: a grant is marked once (conditional update), and its notification has a dedup key.
/// </summary>
public sealed class ExpireGrantsJob(Db db, SubscriptionChanges changes, NotificationService notifications, TimeProvider clock) : IRecurringJob
{
    public async Task Execute(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.WriteAsync(async (c, tx) =>
        {
            foreach (var g in (await c.QueryAsync<TemporaryGrant>(TemporaryGrants.PastEndSql, new { now }, tx)).AsList())
            {
                if (await changes.ExpireGrantAsync(c, tx, g.Id, new ChangeBy("system", now, g.Reason)) is null) continue;
                await notifications.NotifyAsync(c, tx, g.CustomerId, null, "grant.expired", $"{g.FeatureName} access ended",
                    $"The temporary access ({g.Reason}) ended on {EntitlementFormat.Date(g.ValidUntil)}.",
                    $"/customers/{g.CustomerKey}/requests/new?kind=access&feature={Uri.EscapeDataString(g.Handle)}", now, $"grant-{g.Id}-expired");
            }
        }, ct);
    }
}
