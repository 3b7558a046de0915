using Dapper;
using SelfService.Data;

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

    // Every grant that ends within the horizon, extended or not: what grant.ending announces to the vendor's systems.
    internal const string EndingAnySql = $"""
        {SelectSql}
         where g.ExpiredAt is null and g.RevokedAt is null and g.ValidUntil > @now and g.ValidUntil <= @horizon
         order by g.ValidUntil, g.Id
        """;

    // A grant someone already asked to extend (pending or approved) needs no reminder.
    internal const string EndingSql = $"""
        {SelectSql}
         where g.ExpiredAt is null and g.RevokedAt is null and g.ValidUntil > @now and g.ValidUntil <= @horizon
           and (@customer is null or c.ExternalKey = @customer)
           and not exists (select 1 from AccessRequest r where r.ExtendsGrantId = g.Id and r.State in ('Pending', 'Approved'))
         order by g.ValidUntil, g.Id
        """;

    public async Task<IReadOnlyList<TemporaryGrant>> EndingAsync(string? customer, DateTime now, DateTime horizon, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<TemporaryGrant>(new CommandDefinition(EndingSql, new { customer, now, horizon }, cancellationToken: ct))).AsList();
    }
}
