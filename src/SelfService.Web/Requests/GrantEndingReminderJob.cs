using Dapper;
using Microsoft.Extensions.Options;
using SelfService.Data;
using SelfService.Entitlements;
using SelfService.Jobs;
using SelfService.Notifications;

namespace SelfService.Requests;

/// <summary>
/// Announces, once per grant, a temporary grant that ends within the reminder window (3 days by default), with a link
/// to the request form filled in to extend it.
/// </summary>
public sealed class GrantEndingReminderJob(Db db, NotificationService notifications, TimeProvider clock, IOptions<RequestsOptions> options) : IRecurringJob
{
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
        }, ct);
    }
}
