using Dapper;
using Microsoft.Extensions.Options;
using SelfService.Data;
using SelfService.Entitlements;
using SelfService.Events;
using SelfService.Jobs;
using SelfService.Notifications;

namespace SelfService.Requests;

/// <summary>
/// Announces, once per grant, a temporary grant that ends within the reminder window (3 days by default), with a link
/// to the request form filled in to extend it; and writes <c>grant.ending</c> once when a grant ends within 7 days and once
/// within 1 day (<see cref="EndingMarks"/>), whether or not it is being extended.
/// </summary>
public sealed class GrantEndingReminderJob(Db db, NotificationService notifications, OutboundEvents events, TimeProvider clock, IOptions<RequestsOptions> options) : IRecurringJob
{
    /// <summary>The days before its end at which a grant's <c>grant.ending</c> is written, widest first.</summary>
    public static readonly int[] EndingMarks = [7, 1];

    public async Task Execute(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var o = options.Value;
        await db.WriteAsync(async (c, tx) =>
        {
            var ending = await c.QueryAsync<TemporaryGrant>(TemporaryGrants.EndingSql, new { customer = (string?)null, now, horizon = now.AddDays(o.ReminderDays) }, tx);
            foreach (var g in ending.AsList())
            {
                await notifications.NotifyAsync(c, tx, g.CustomerId, null, "grant.ending", $"{g.FeatureName} access ends {EntitlementFormat.Relative(g.ValidUntil, now)}",
                    $"The temporary access ({g.Reason}) ends on {EntitlementFormat.Date(g.ValidUntil)}. Ask to extend it in one click.",
                    g.ExtendLink(o.MaxAccessDays), now, $"grant-{g.Id}-ending");
            }

            foreach (var g in (await c.QueryAsync<TemporaryGrant>(TemporaryGrants.EndingAnySql, new { now, horizon = now.AddDays(EndingMarks[0]) }, tx)).AsList())
            {
                // The narrowest mark the grant is within: a grant of 3 days gets the 7-day event at once, then the 1-day one.
                var mark = EndingMarks.Last(d => g.ValidUntil <= now.AddDays(d));
                await events.EmitOnceAsync(c, tx, $"grant.ending:{g.Id}:{mark}", EventTypes.GrantEnding, g.CustomerId, new
                {
                    customer = g.CustomerKey, grantId = g.Id, feature = g.Handle, validUntil = g.ValidUntil, endsInDays = mark,
                }, now);
            }
        }, ct);
    }
}
