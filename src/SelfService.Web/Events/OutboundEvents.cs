using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using SelfService.Data;

namespace SelfService.Events;

public sealed record OutboundEvent
{
    public long Id { get; init; }
    public required string MessageId { get; init; }
    public required string Type { get; init; }
    public long? CustomerId { get; init; }
    public DateTime OccurredAt { get; init; }
    public required string Payload { get; init; }
}

/// <summary>
/// The one writer of outbound events. <see cref="EmitAsync"/> writes the event and one pending delivery per webhook
/// endpoint that wants its type, in the caller's transaction: a change that rolls back emits nothing, and a crash after
/// the commit loses nothing (the delivery job picks the rows up, after a restart too). It never calls out itself.
/// </summary>
public sealed class OutboundEvents(Db db)
{
    /// <summary>camelCase, no indentation, enums as strings: the payload receivers see.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    internal const string EndpointsSql = """
        select Id, EventTypes
          from WebhookEndpoint
         where DisabledAt is null
           and DeletedAt is null
        """;

    internal const string DeliverySql = """
        insert into WebhookDelivery (OutboundEventId, EndpointId, Status, Attempts, NextAttemptAt, CreatedAt)
        values (@eventId, @endpointId, 'Pending', 0, @now, @now)
        """;

    internal string InsertEventSql => db.Dialect.InsertReturningId("OutboundEvent", "MessageId", "Type", "CustomerId", "OccurredAt", "Payload");

    /// <summary>
    /// Writes one event of <paramref name="type"/> (an <see cref="EventTypes"/> id) with <paramref name="data"/> as its
    /// payload's <c>data</c>, and queues its webhook deliveries. Returns the event's message id (<c>msg_…</c>).
    /// </summary>
    public async Task<string> EmitAsync(DbConnection c, DbTransaction tx, string type, long? customerId, object data, DateTime now)
    {
        if (!EventTypes.IsKnown(type)) throw new ArgumentException($"Unknown event type '{type}'.", nameof(type));
        // Version 7: time-ordered, so message ids sort by when the events happened.
        var messageId = "msg_" + Guid.CreateVersion7(new DateTimeOffset(now, TimeSpan.Zero)).ToString("N");
        var payload = JsonSerializer.Serialize(new Envelope(messageId, type, now, data), Json);
        var id = await c.ExecuteScalarAsync<long>(InsertEventSql,
            new { MessageId = messageId, Type = type, CustomerId = customerId, OccurredAt = now, Payload = payload }, tx);

        var endpoints = await c.QueryAsync<(long Id, string EventTypes)>(EndpointsSql, transaction: tx);
        foreach (var endpoint in endpoints.Where(e => Wants(e.EventTypes, type)))
            await c.ExecuteAsync(DeliverySql, new { eventId = id, endpointId = endpoint.Id, now }, tx);
        return messageId;
    }

    internal string InsertKeySql => db.Dialect.InsertIgnoringDuplicates("OutboundEventKey", ["DedupKey", "CreatedAt"], ["DedupKey"]);

    /// <summary>
    /// <see cref="EmitAsync"/>, once per <paramref name="dedupKey"/>: for causes a job sees on every run (a grant ending in
    /// 7 days). Null when an event with this key was written already (by this process or another).
    /// </summary>
    public async Task<string?> EmitOnceAsync(DbConnection c, DbTransaction tx, string dedupKey, string type, long? customerId, object data, DateTime now)
    {
        if (await c.ExecuteAsync(InsertKeySql, new { DedupKey = dedupKey, CreatedAt = now }, tx) == 0) return null;
        return await EmitAsync(c, tx, type, customerId, data, now);
    }

    internal static bool Wants(string eventTypes, string type) =>
        eventTypes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(type, StringComparer.Ordinal);

    /// <summary>The Standard Webhooks envelope: <c>type</c>, <c>timestamp</c>, <c>data</c>; <c>id</c> repeats the webhook-id header.</summary>
    public sealed record Envelope(string Id, string Type, DateTime Timestamp, object Data);

    internal const string RecentSql = """
        select Id, MessageId, Type, CustomerId, OccurredAt, Payload
          from OutboundEvent
         where (@type is null or Type = @type)
        """;

    /// <summary>The newest events, optionally of one type (for the staff pages and tests).</summary>
    internal string RecentPageSql => RecentSql + "\n" + db.Dialect.Page("Id desc");

    public async Task<IReadOnlyList<OutboundEvent>> RecentAsync(string? type = null, int take = 50, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<OutboundEvent>(new CommandDefinition(RecentPageSql, new { type, Limit = take, Offset = 0 }, cancellationToken: ct))).AsList();
    }
}
