using System.Globalization;
using Dapper;
using Microsoft.Extensions.Options;
using SelfService.Audit;
using SelfService.Data;
using SelfService.Entitlements;
using SelfService.Jobs;
using SelfService.Notifications;

namespace SelfService.Requests;

/// <summary>A grant with a window, as the expiry and reminder jobs and the requests page see it.</summary>
public sealed record TemporaryGrant
{
    public long Id { get; init; }
    public long CustomerId { get; init; }
    public string CustomerKey { get; init; } = "";
    public long FeatureId { get; init; }
    public string Handle { get; init; } = "";
    public string FeatureName { get; init; } = "";
    public string FeatureKind { get; init; } = "";
    public string? Unit { get; init; }
    public long? Amount { get; init; }
    public string Reason { get; init; } = "";
    public DateTime? ValidFrom { get; init; }
    public DateTime ValidUntil { get; init; }

    /// <summary>How long the grant lasted, in whole days: what an extension asks for again.</summary>
    public int DurationDays(int max) => ValidFrom is { } from ? Math.Clamp((int)Math.Round((ValidUntil - from).TotalDays), 1, max) : Math.Min(7, max);

    public bool IsBoolean => FeatureKind == nameof(Catalog.FeatureKind.Boolean);

    /// <summary>The new-request form, filled in to extend this grant: one click on "Send request" from there.</summary>
    public string ExtendLink(int maxDays) =>
        $"/customers/{CustomerKey}/requests/new?kind=access&feature={Uri.EscapeDataString(Handle)}&days={DurationDays(maxDays)}" +
        (IsBoolean ? "" : $"&amount={Amount}") + $"&extends={Id}";
}

/// <summary>Temporary grants ending soon or past their end: the reminder and expiry jobs' work lists.</summary>
public sealed class TemporaryGrants(Db db)
{
    private const string SelectSql = """
        select g.Id, s.CustomerId, c.ExternalKey as CustomerKey, g.FeatureId, f.Handle, f.Name as FeatureName, f.Kind as FeatureKind,
               f.Unit, g.Amount, g.Reason, g.ValidFrom, g.ValidUntil
          from EntitlementGrant g
          join Subscription s on s.Id = g.SubscriptionId
          join Customer c on c.Id = s.CustomerId
          join Feature f on f.Id = g.FeatureId
        """;

    internal const string PastEndSql = $"""
        {SelectSql}
         where g.ExpiredAt is null and g.RevokedAt is null and g.ValidUntil <= @now
         order by g.Id
        """;

    // A grant someone already asked to extend (pending or approved) needs no reminder.
    internal const string EndingSql = $"""
        {SelectSql}
         where g.ExpiredAt is null and g.RevokedAt is null and g.ValidUntil > @now and g.ValidUntil <= @horizon
           and (@customer is null or c.ExternalKey = @customer)
           and not exists (select 1 from AccessRequest r where r.ExtendsGrantId = g.Id and r.State in ('Pending', 'Approved'))
         order by g.ValidUntil, g.Id
        """;

    internal const string MarkExpiredSql = """
        update EntitlementGrant
           set ExpiredAt = @now
         where Id = @id and ExpiredAt is null
        """;

    public async Task<IReadOnlyList<TemporaryGrant>> EndingAsync(string? customer, DateTime now, DateTime horizon, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<TemporaryGrant>(new CommandDefinition(EndingSql, new { customer, now, horizon }, cancellationToken: ct))).AsList();
    }
}

/// <summary>
/// Marks grants past their <c>validUntil</c> as expired, with an audit entry and the customer's notification.
/// Entitlements never wait for it (the engine ignores a grant past its window); it records and announces.
/// Idempotent: a grant is marked once (conditional update), and its notification has a dedup key.
/// </summary>
public sealed class ExpireGrantsJob(Db db, AuditLog audit, NotificationService notifications, TimeProvider clock) : IRecurringJob
{
    public async Task Execute(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.WriteAsync(async (c, tx) =>
        {
            foreach (var g in (await c.QueryAsync<TemporaryGrant>(TemporaryGrants.PastEndSql, new { now }, tx)).AsList())
            {
                if (await c.ExecuteAsync(TemporaryGrants.MarkExpiredSql, new { id = g.Id, now }, tx) != 1) continue;
                var value = g.IsBoolean ? "Included" : $"+{g.Amount?.ToString("#,0", CultureInfo.InvariantCulture)} {g.Unit}".TrimEnd();
                await audit.WriteAsync(c, tx, new AuditEntry
                {
                    At = now, Actor = "system", CustomerId = g.CustomerId, Kind = "grant.expired", Subject = $"grant #{g.Id} {g.Handle}",
                    OldValue = $"{value} until {EntitlementFormat.Date(g.ValidUntil)}", NewValue = "expired", Reason = g.Reason,
                });
                await notifications.NotifyAsync(c, tx, g.CustomerId, null, "grant.expired", $"{g.FeatureName} access ended",
                    $"The temporary access ({g.Reason}) ended on {EntitlementFormat.Date(g.ValidUntil)}.",
                    $"/customers/{g.CustomerKey}/requests/new?kind=access&feature={Uri.EscapeDataString(g.Handle)}", now, $"grant-{g.Id}-expired");
            }
        }, ct);
    }
}

/// <summary>Expires requests pending longer than the configured age (14 days by default) and tells their requesters.</summary>
public sealed class ExpireStaleRequestsJob(RequestService requests) : IRecurringJob
{
    public Task Execute(CancellationToken ct) => requests.ExpireStaleAsync(ct);
}

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
