using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dapper;
using Microsoft.Extensions.Options;
using SelfService.Data;
using StandardWebhooks;

namespace SelfService.Webhooks;

public static class DeliveryStatus
{
    public const string Pending = nameof(Pending);
    public const string Delivered = nameof(Delivered);
    public const string Failed = nameof(Failed);
}

public sealed record WebhookDeliveryRow
{
    public long Id { get; init; }
    public long OutboundEventId { get; init; }
    public long EndpointId { get; init; }
    public required string Status { get; init; }
    public int Attempts { get; init; }
    public DateTime NextAttemptAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? DeliveredAt { get; init; }
    public string MessageId { get; init; } = "";
    public string Type { get; init; } = "";
    public DateTime OccurredAt { get; init; }
    public string Payload { get; init; } = "";
}

public sealed record WebhookAttemptRow
{
    public long Id { get; init; }
    public long DeliveryId { get; init; }
    public DateTime AttemptedAt { get; init; }
    public int? StatusCode { get; init; }
    public int DurationMs { get; init; }
    public string? Error { get; init; }
    public int Manual { get; init; }
}

/// <summary>
/// Sends webhook deliveries, at least once: a delivery is claimed (so two instances never send it at once), POSTed
/// signed per Standard Webhooks, and its attempt logged. A 2xx within 10 s is success; any other answer, a timeout or a
/// refused connection is retried with exponential back-off (30 s, 1 min, 2 min, … ) until a day after the event, then
/// given up. A 410 disables the endpoint; so does a day of nothing but failures.
/// </summary>
public sealed class WebhookDeliveries(Db db, TimeProvider clock, WebhookEndpointStore endpoints, IHttpClientFactory http,
    IOptions<WebhookOptions> options, ILogger<WebhookDeliveries> logger)
{
    public const string HttpClientName = "webhooks";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ClaimFor = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(30);

    /// <summary>The pause after the <paramref name="attempts"/>th failed attempt: 30 s doubling each time.</summary>
    public static TimeSpan BackOff(int attempts) => FirstRetry * Math.Pow(2, Math.Min(Math.Max(attempts - 1, 0), 16));

    internal const string DueSql = """
        select d.Id
          from WebhookDelivery d
          join WebhookEndpoint e on e.Id = d.EndpointId
         where d.Status = 'Pending'
           and d.NextAttemptAt <= @now
           and (d.ClaimedUntil is null or d.ClaimedUntil < @now)
           and e.DisabledAt is null
         order by d.Id
        """;

    internal const string ClaimSql = """
        update WebhookDelivery
           set ClaimedUntil = @until
         where Id = @id
           and Status = 'Pending'
           and NextAttemptAt <= @now
           and (ClaimedUntil is null or ClaimedUntil < @now)
        """;

    internal const string ClaimManualSql = """
        update WebhookDelivery
           set ClaimedUntil = @until
         where Id = @id
           and (ClaimedUntil is null or ClaimedUntil < @now)
        """;

    internal const string ByIdSql = """
        select d.Id, d.OutboundEventId, d.EndpointId, d.Status, d.Attempts, d.NextAttemptAt, d.CreatedAt, d.DeliveredAt,
               e.MessageId, e.Type, e.OccurredAt, e.Payload
          from WebhookDelivery d
          join OutboundEvent e on e.Id = d.OutboundEventId
         where d.Id = @id
        """;

    /// <summary>Sends every due delivery, oldest first; returns how many were attempted.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        List<long> due;
        await using (var connection = await db.OpenAsync(ct))
            due = (await connection.QueryAsync<long>(new CommandDefinition(DueSql, new { now }, cancellationToken: ct))).AsList();
        var sent = 0;
        foreach (var id in due)
            if (await DeliverAsync(id, manual: false, ct)) sent++;
        return sent;
    }

    /// <summary>
    /// One attempt of one delivery, if it is still due and no one else holds it (or, <paramref name="manual"/>, whatever its state:
    /// the staff pages' "send again"). Returns whether an attempt was made.
    /// </summary>
    public async Task<bool> DeliverAsync(long id, bool manual, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var connection = await db.OpenAsync(ct);
        var claimed = await connection.ExecuteAsync(new CommandDefinition(manual ? ClaimManualSql : ClaimSql, new { id, now, until = now + ClaimFor }, cancellationToken: ct));
        if (claimed == 0) return false;
        var delivery = await connection.QuerySingleAsync<WebhookDeliveryRow>(new CommandDefinition(ByIdSql, new { id }, cancellationToken: ct));
        var endpoint = await endpoints.FindAsync(delivery.EndpointId, ct);
        if (endpoint is null || (!endpoint.Enabled && !manual))
        {
            await connection.ExecuteAsync(new CommandDefinition("update WebhookDelivery set ClaimedUntil = null where Id = @id", new { id }, cancellationToken: ct));
            return false;
        }

        var (status, error, elapsed) = await SendAsync(endpoint, delivery, now, ct);
        var success = status is >= 200 and < 300;
        var done = clock.GetUtcNow().UtcDateTime;
        await db.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(db.Dialect.InsertReturningId("WebhookAttempt", "DeliveryId", "AttemptedAt", "StatusCode", "DurationMs", "Error", "Manual"),
                new { DeliveryId = id, AttemptedAt = now, StatusCode = status, DurationMs = (int)elapsed.TotalMilliseconds, Error = Truncate(error, 2000), Manual = manual ? 1 : 0 }, tx);
            if (success)
            {
                await c.ExecuteAsync("""
                    update WebhookDelivery
                       set Status = 'Delivered', Attempts = Attempts + 1, DeliveredAt = coalesce(DeliveredAt, @done), ClaimedUntil = null
                     where Id = @id
                    """, new { id, done }, tx);
                await c.ExecuteAsync("update WebhookEndpoint set FailingSince = null where Id = @endpointId", new { endpointId = endpoint.Id }, tx);
                return;
            }

            var attempts = delivery.Attempts + 1;
            var deadline = delivery.CreatedAt + options.Value.RetryFor;
            var givenUp = status == 410 || done >= deadline || (manual && delivery.Status != DeliveryStatus.Pending);
            var next = done + BackOff(attempts);
            if (next > deadline) next = deadline;
            await c.ExecuteAsync("""
                update WebhookDelivery
                   set Status = @status, Attempts = @attempts, NextAttemptAt = @next, ClaimedUntil = null
                 where Id = @id
                """, new { id, attempts, next, status = givenUp && delivery.Status != DeliveryStatus.Delivered ? DeliveryStatus.Failed : delivery.Status }, tx);
            await c.ExecuteAsync("update WebhookEndpoint set FailingSince = coalesce(FailingSince, @now) where Id = @endpointId",
                new { endpointId = endpoint.Id, now }, tx);

            string? reason = null;
            if (status == 410) reason = $"Disabled at {done:u}: the endpoint answered 410 Gone.";
            else if ((endpoint.FailingSince ?? now) <= done - options.Value.DisableAfterFailingFor)
                reason = $"Disabled at {done:u}: every delivery since {endpoint.FailingSince:u} failed (last: {error ?? $"HTTP {status}"}).";
            if (reason is not null)
            {
                await c.ExecuteAsync("update WebhookEndpoint set DisabledAt = @done, DisabledReason = @reason where Id = @endpointId and DisabledAt is null",
                    new { endpointId = endpoint.Id, done, reason }, tx);
                logger.LogWarning("Webhook endpoint {EndpointId} disabled: {Reason}", endpoint.Id, reason);
            }
        }, ct);
        return true;
    }

    private async Task<(int? Status, string? Error, TimeSpan Elapsed)> SendAsync(WebhookEndpoint endpoint, WebhookDeliveryRow delivery, DateTime now, CancellationToken ct)
    {
        var timestamp = new DateTimeOffset(now, TimeSpan.Zero);
        var signature = string.Join(' ', endpoints.SigningSecrets(endpoint, now)
            .Select(secret => new StandardWebhook(secret).Sign(delivery.MessageId, timestamp, delivery.Payload)));
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", delivery.MessageId);
        request.Headers.Add("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", signature);
        request.Headers.UserAgent.ParseAdd("SelfService-Webhooks/1");

        var watch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        try
        {
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return ((int)response.StatusCode, null, watch.Elapsed);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, $"No answer within {Timeout.TotalSeconds:0} s.", watch.Elapsed);
        }
        catch (HttpRequestException e)
        {
            var inner = e.InnerException is PrivateAddressRefused p ? p : (Exception)e;
            return (null, inner.Message, watch.Elapsed);
        }
    }

    internal const string LogSql = """
        select d.Id, d.OutboundEventId, d.EndpointId, d.Status, d.Attempts, d.NextAttemptAt, d.CreatedAt, d.DeliveredAt,
               e.MessageId, e.Type, e.OccurredAt, e.Payload
          from WebhookDelivery d
          join OutboundEvent e on e.Id = d.OutboundEventId
         where d.EndpointId = @endpointId
        """;

    internal const string AttemptsSql = """
        select a.Id, a.DeliveryId, a.AttemptedAt, a.StatusCode, a.DurationMs, a.Error, a.Manual
          from WebhookAttempt a
          join WebhookDelivery d on d.Id = a.DeliveryId
         where d.EndpointId = @endpointId
           and a.DeliveryId >= @oldest
         order by a.Id
        """;

    /// <summary>An endpoint's newest deliveries with every attempt of each, newest first.</summary>
    public async Task<IReadOnlyList<(WebhookDeliveryRow Delivery, IReadOnlyList<WebhookAttemptRow> Attempts)>> LogAsync(long endpointId, int take = 50, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        var deliveries = (await connection.QueryAsync<WebhookDeliveryRow>(new CommandDefinition(LogSql + "\n" + db.Dialect.Page("d.Id desc"),
            new { endpointId, Limit = take, Offset = 0 }, cancellationToken: ct))).AsList();
        if (deliveries.Count == 0) return [];
        var attempts = (await connection.QueryAsync<WebhookAttemptRow>(new CommandDefinition(AttemptsSql,
            new { endpointId, oldest = deliveries.Min(d => d.Id) }, cancellationToken: ct))).ToLookup(a => a.DeliveryId);
        return deliveries.Select(d => (d, (IReadOnlyList<WebhookAttemptRow>)attempts[d.Id].ToList())).ToList();
    }

    private static string? Truncate(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
}
