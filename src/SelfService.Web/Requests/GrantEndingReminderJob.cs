using Dapper;
using Microsoft.Extensions.Options;
using SelfService.Data;
using SelfService.Entitlements;
using SelfService.Events;
using SelfService.Jobs;
using SelfService.Mail;
using SelfService.Notifications;

namespace SelfService.Requests;

/// <summary>
/// Announces, once per grant, a temporary grant that ends within the reminder window (3 days by default), with a link
/// to the request form filled in to extend it; and writes <c>grant.ending</c> once when a grant ends within 7 days and once
/// within 1 day (<see cref="EndingMarks"/>), whether or not it is being extended.
/// </summary>
public sealed class GrantEndingReminderJob(Db db, NotificationService notifications, OutboundEvents events, Mailer mailer, MailChoices choices,
    PublicUrl publicUrl, TimeProvider clock, IOptions<RequestsOptions> options) : IRecurringJob
{
    /// <summary>The days before its end at which a grant's <c>grant.ending</c> is written, widest first.</summary>
    public static readonly int[] EndingMarks = [7, 1];

    public const string MailKind = "grant-ending";

    internal const string ExtendersSql = """
        select Id, Email, DisplayName
          from AppUser
         where CustomerId = @customerId and Role in ('Owner', 'Admin') and RemovedAt is null
         order by Id
        """;

    internal const string ExtensionAskedSql = "select count(*) from AccessRequest where ExtendsGrantId = @id and State in ('Pending', 'Approved')";

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
                var emitted = await events.EmitOnceAsync(c, tx, $"grant.ending:{g.Id}:{mark}", EventTypes.GrantEnding, g.CustomerId, new
                {
                    customer = g.CustomerKey, grantId = g.Id, feature = g.Handle, validUntil = g.ValidUntil, endsInDays = mark,
                }, now);
                // The mail goes with the event, so once per grant and mark; not when someone already asked to extend it.
                if (emitted is null || await c.ExecuteScalarAsync<int>(ExtensionAskedSql, new { id = g.Id }, tx) > 0) continue;
                foreach (var user in await c.QueryAsync<(long Id, string Email, string DisplayName)>(ExtendersSql, new { customerId = g.CustomerId }, tx))
                {
                    if (!await choices.WantsAsync(c, tx, user.Id, MailChoices.Grants)) continue;
                    var when = mark == 1 ? "in a day" : $"within {mark} days";
                    await mailer.QueueAsync(c, tx, choices.WithUnsubscribe(MailDraft.Compose(MailKind, user.Email, user.DisplayName,
                        $"{g.FeatureName} access ends {when}",
                        [$"Hello {user.DisplayName},", $"The temporary access to {g.FeatureName} ({g.Reason}) ends on {EntitlementFormat.Date(g.ValidUntil)}.",
                         "One click asks to extend it for as long again; the request goes to the usual approval."],
                        ("Ask to extend", publicUrl.Link(g.ExtendLink(o.MaxAccessDays)))), user.Id, MailChoices.Grants));
                }
            }
        }, ct);
    }
}
