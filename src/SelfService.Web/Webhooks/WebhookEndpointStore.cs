using System.Data.Common;
using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using SelfService.Audit;
using SelfService.Data;
using SelfService.Events;

namespace SelfService.Webhooks;

public sealed record WebhookEndpoint
{
    public long Id { get; init; }
    public required string Url { get; init; }
    public string Description { get; init; } = "";
    public required string EventTypes { get; init; }
    public string ProtectedSecret { get; init; } = "";
    public string? PreviousSecret { get; init; }
    public DateTime? PreviousSecretUntil { get; init; }
    public DateTime CreatedAt { get; init; }
    public string CreatedBy { get; init; } = "";
    public DateTime? FailingSince { get; init; }
    public DateTime? DisabledAt { get; init; }
    public string? DisabledReason { get; init; }

    public bool Enabled => DisabledAt is null;

    public IReadOnlyList<string> EventList => EventTypes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>What a person or an API client asks an endpoint to be; null fields are left as they are.</summary>
public sealed record EndpointChange(string? Url, IReadOnlyList<string>? Events, bool? Enabled, string? Description);

/// <summary>
/// Webhook endpoints: created with a <c>whsec_</c> signing secret shown once, changed, rotated with an overlap, deleted.
/// Secrets are stored protected by the Data Protection key ring. Every change is audited in the same transaction.
/// </summary>
public sealed class WebhookEndpointStore(Db db, TimeProvider clock, IDataProtectionProvider protection, AuditLog audit,
    IOptions<WebhookOptions> options, IHostEnvironment environment)
{
    private readonly IDataProtector _protector = protection.CreateProtector("SelfService.Webhooks.Secret");

    public const int MaxUrlLength = 2000;

    internal const string Columns = """
        Id, Url, Description, EventTypes, ProtectedSecret, PreviousSecret, PreviousSecretUntil, CreatedAt, CreatedBy,
        FailingSince, DisabledAt, DisabledReason
        """;

    internal const string ListSql = $"""
        select {Columns}
          from WebhookEndpoint
         where DeletedAt is null
         order by Id
        """;

    internal const string ByIdSql = $"""
        select {Columns}
          from WebhookEndpoint
         where Id = @id
           and DeletedAt is null
        """;

    public async Task<IReadOnlyList<WebhookEndpoint>> ListAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<WebhookEndpoint>(new CommandDefinition(ListSql, cancellationToken: ct))).AsList();
    }

    public async Task<WebhookEndpoint?> FindAsync(long id, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<WebhookEndpoint>(new CommandDefinition(ByIdSql, new { id }, cancellationToken: ct));
    }

    /// <summary>Checks a change field by field (<c>url</c>, <c>events</c>); every problem is reported.</summary>
    public IDictionary<string, string> Validate(EndpointChange change, bool creating)
    {
        var errors = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(change.Url))
        {
            if (creating || change.Url is not null) errors["url"] = "Required: the address that receives the events.";
        }
        else if (change.Url.Length > MaxUrlLength) errors["url"] = $"At most {MaxUrlLength} characters.";
        else if (!Uri.TryCreate(change.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            errors["url"] = "Must be an absolute https:// address, such as https://example.com/webhooks.";
        else if (uri.Scheme != Uri.UriSchemeHttps && !environment.IsDevelopment())
            errors["url"] = "Must use https://.";
        else if (!string.IsNullOrEmpty(uri.UserInfo)) errors["url"] = "Must not carry a user name or password.";

        if (change.Events is null)
        {
            if (creating) errors["events"] = "Required: choose at least one event type.";
        }
        else if (change.Events.Count == 0) errors["events"] = "Choose at least one event type.";
        else if (change.Events.FirstOrDefault(e => !Events.EventTypes.IsKnown(e)) is { } unknown)
            errors["events"] = $"'{unknown}' is not an event type. Known: {string.Join(", ", Events.EventTypes.All)}.";

        if (change.Description is { Length: > 200 }) errors["description"] = "At most 200 characters.";
        return errors;
    }

    internal string InsertEndpointSql => db.Dialect.InsertReturningId("WebhookEndpoint", "Url", "Description", "EventTypes", "ProtectedSecret", "CreatedAt", "CreatedBy", "DisabledAt", "DisabledReason");

    /// <summary>Creates an endpoint (validated first); returns it with its secret in plain text, which is never shown again.</summary>
    public async Task<(WebhookEndpoint Endpoint, string Secret)> CreateAsync(EndpointChange change, string actor, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var secret = NewSecret();
        var endpoint = new WebhookEndpoint
        {
            Url = change.Url!, Description = change.Description ?? "", EventTypes = Normalize(change.Events!),
            ProtectedSecret = _protector.Protect(secret), CreatedAt = now, CreatedBy = actor,
            DisabledAt = change.Enabled == false ? now : null, DisabledReason = change.Enabled == false ? "Created disabled." : null,
        };
        var id = await db.WriteAsync(async (c, tx) =>
        {
            var id = await c.ExecuteScalarAsync<long>(InsertEndpointSql, endpoint, tx);
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = now, Actor = actor, Kind = AuditKinds.WebhookCreated, Subject = $"Webhook endpoint {id} {endpoint.Url}", NewValue = endpoint.EventTypes,
            });
            return id;
        }, ct);
        return (endpoint with { Id = id }, secret);
    }

    internal const string UpdateSql = """
        update WebhookEndpoint
           set Url = @Url, Description = @Description, EventTypes = @EventTypes,
               DisabledAt = @DisabledAt, DisabledReason = @DisabledReason, FailingSince = @FailingSince
         where Id = @Id
           and DeletedAt is null
        """;

    /// <summary>Applies a validated change; null when there is no such endpoint.</summary>
    public async Task<WebhookEndpoint?> UpdateAsync(long id, EndpointChange change, string actor, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.WriteAsync(async (c, tx) =>
        {
            var current = await c.QuerySingleOrDefaultAsync<WebhookEndpoint>(ByIdSql, new { id }, tx);
            if (current is null) return null;
            var updated = current with
            {
                Url = change.Url ?? current.Url,
                Description = change.Description ?? current.Description,
                EventTypes = change.Events is { } events ? Normalize(events) : current.EventTypes,
            };
            if (change.Enabled == true && !current.Enabled) updated = updated with { DisabledAt = null, DisabledReason = null, FailingSince = null };
            if (change.Enabled == false && current.Enabled) updated = updated with { DisabledAt = now, DisabledReason = $"Disabled by {actor}." };
            await c.ExecuteAsync(UpdateSql, updated, tx);
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = now, Actor = actor, Kind = AuditKinds.WebhookChanged, Subject = $"Webhook endpoint {id} {updated.Url}",
                OldValue = $"{current.Url} [{current.EventTypes}] {(current.Enabled ? "enabled" : "disabled")}",
                NewValue = $"{updated.Url} [{updated.EventTypes}] {(updated.Enabled ? "enabled" : "disabled")}",
            });
            return updated;
        }, ct);
    }

    internal const string RotateSql = """
        update WebhookEndpoint
           set PreviousSecret = ProtectedSecret, PreviousSecretUntil = @until, ProtectedSecret = @secret
         where Id = @id
           and DeletedAt is null
        """;

    /// <summary>
    /// A new secret, in plain text, shown once. Until the returned instant, deliveries carry a signature with the previous
    /// secret too, so a receiver can switch over without losing a delivery. Null when there is no such endpoint.
    /// </summary>
    public async Task<(string Secret, DateTime PreviousValidUntil)?> RotateAsync(long id, string actor, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var secret = NewSecret();
        var until = now + options.Value.SecretOverlap;
        var rotated = await db.WriteAsync(async (c, tx) =>
        {
            var rows = await c.ExecuteAsync(RotateSql, new { id, until, secret = _protector.Protect(secret) }, tx);
            if (rows == 0) return false;
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = now, Actor = actor, Kind = AuditKinds.WebhookSecretRotated, Subject = $"Webhook endpoint {id}",
                NewValue = $"previous secret valid until {until:u}",
            });
            return true;
        }, ct);
        return rotated ? (secret, until) : null;
    }

    internal const string DeleteSql = "update WebhookEndpoint set DeletedAt = @now, DisabledAt = coalesce(DisabledAt, @now) where Id = @id and DeletedAt is null";

    /// <summary>Deletes an endpoint: nothing more is sent to it (its delivery log stays for the audit). False when there is none.</summary>
    public async Task<bool> DeleteAsync(long id, string actor, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.WriteAsync(async (c, tx) =>
        {
            if (await c.ExecuteAsync(DeleteSql, new { id, now }, tx) == 0) return false;
            await audit.WriteAsync(c, tx, new AuditEntry { At = now, Actor = actor, Kind = AuditKinds.WebhookDeleted, Subject = $"Webhook endpoint {id}" });
            return true;
        }, ct);
    }

    /// <summary>The secrets that sign a delivery now: the current one, and the previous one during a rotation's overlap.</summary>
    internal IReadOnlyList<string> SigningSecrets(WebhookEndpoint endpoint, DateTime now)
    {
        var secrets = new List<string> { _protector.Unprotect(endpoint.ProtectedSecret) };
        if (endpoint.PreviousSecret is { } previous && endpoint.PreviousSecretUntil > now) secrets.Add(_protector.Unprotect(previous));
        return secrets;
    }

    internal static string Normalize(IEnumerable<string> events) => string.Join(' ', events.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    /// <summary>A Standard Webhooks secret: <c>whsec_</c> and 32 random bytes in base64.</summary>
    internal static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
