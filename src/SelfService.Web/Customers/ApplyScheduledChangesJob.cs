using SelfService.Data;
using SelfService.Jobs;

namespace SelfService.Customers;

/// <summary>
/// Moves each subscription whose scheduled plan change is due to its new plan, with the audit entry and the
/// <c>subscription.changed</c> / <c>entitlements.changed</c> events (reason "scheduled change"). Entitlements never wait
/// for it: the engine counts the new plan from the change's instant. Idempotent and safe on two servers at once: each
/// change is applied under its subscription's lock by a conditional update, so only one run writes it and its events.
/// </summary>
public sealed class ApplyScheduledChangesJob(Db db, SubscriptionChanges changes, TimeProvider clock) : IRecurringJob
{
    public async Task Execute(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        IReadOnlyList<long> due;
        await using (var c = await db.OpenAsync(ct)) due = await changes.DueCustomersAsync(c, null, now);
        foreach (var customerId in due.Distinct())
        {
            // One transaction per subscription: one that fails leaves the others applied, and is retried next run.
            await db.WriteAsync(async (c, tx) =>
            {
                if (await changes.LockAsync(c, tx, customerId) is { } s)
                    await changes.ApplyScheduledAsync(c, tx, s, new ChangeBy("system", now, SubscriptionChanges.ScheduledChangeReason));
            }, ct);
        }
    }
}
