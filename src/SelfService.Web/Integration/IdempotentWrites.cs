using System.Data.Common;
using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using SelfService.Api;
using SelfService.Data;

namespace SelfService.Integration;

/// <summary>A provisioning request as read off the wire: who sent it, its body, and its Idempotency-Key.</summary>
public sealed record WriteRequest(long ApiKeyId, string Actor, string? IdempotencyKey, string Fingerprint, JsonElement? Body)
{
    public const string Header = "Idempotency-Key";
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// Reads and checks the request. Header and body problems land in <paramref name="errors"/>; a body that is not
    /// JSON at all, or too large, is answered at once through <c>Problem</c>.
    /// </summary>
    public static async Task<(WriteRequest? Request, IResult? Problem)> ReadAsync(HttpContext http, FieldErrors errors, bool expectBody)
    {
        var user = http.User;
        var apiKeyId = long.Parse(user.FindFirstValue(ApiKeyAuthentication.KeyIdClaim)!, CultureInfo.InvariantCulture);
        var actor = user.Identity?.Name ?? "api-key";

        string? key = http.Request.Headers[Header];
        if (key is not null && (key.Length is 0 or > 255 || key.Any(ch => ch < 0x20 || ch > 0x7E)))
        {
            errors.Add(Header, "Must be 1 to 255 printable ASCII characters, e.g. a UUID.");
            key = null;
        }

        using var buffer = new MemoryStream();
        var limit = new byte[8192];
        int read;
        while ((read = await http.Request.Body.ReadAsync(limit, http.RequestAborted)) > 0)
        {
            buffer.Write(limit, 0, read);
            if (buffer.Length > MaxBodyBytes)
                return (null, ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, ApiProblems.TooLarge, "The body is too large.", $"At most {MaxBodyBytes} bytes."));
        }
        var bytes = buffer.ToArray();

        JsonElement? body = null;
        if (expectBody)
        {
            if (bytes.Length == 0)
            {
                errors.Add("$", "A JSON body is required.");
            }
            else
            {
                var (document, problem) = JsonBody.Parse(bytes);
                if (problem is not null) return (null, problem);
                using (document) body = document!.RootElement.Clone();
            }
        }

        // The fingerprint covers what the request asks for: method, path and body, byte for byte.
        var hash = SHA256.HashData([.. Encoding.UTF8.GetBytes($"{http.Request.Method} {http.Request.Path}\n"), .. bytes]);
        return (new WriteRequest(apiKeyId, actor, key, Convert.ToHexString(hash), body), null);
    }
}

/// <summary>What a write produced: a response to send and store, or a problem that undoes the write.</summary>
public sealed record WriteOutcome(int Status, object? Body = null, string? Location = null, IResult? Problem = null)
{
    public static WriteOutcome Failed(IResult problem) => new(0, Problem: problem);
}

public sealed record IdempotencyRecord
{
    public long Id { get; init; }
    public long ApiKeyId { get; init; }
    public string IdempotencyKey { get; init; } = "";
    public string RequestHash { get; init; } = "";
    public int StatusCode { get; init; }
    public string ResponseBody { get; init; } = "";
    public string? Location { get; init; }
    public DateTime CreatedAt { get; init; }
}

/// <summary>
/// Runs a provisioning write in one transaction together with its idempotency record. The same Idempotency-Key
/// (per API key) with the same request replays the first response; with another request it is refused (422).
/// Because the record commits with the change, a crash never leaves one without the other, and two concurrent
/// requests with one key make one change.
/// </summary>
public sealed class IdempotentWrites(Db db, TimeProvider clock, IOptions<IntegrationOptions> options)
{
    public const string ReplayedHeader = "Idempotent-Replayed";

    internal const string DeleteExpiredSql = """
        delete from IdempotencyRecord
         where ApiKeyId = @apiKeyId and IdempotencyKey = @key and CreatedAt <= @cutoff
        """;

    internal const string RecordSql = """
        select Id, ApiKeyId, IdempotencyKey, RequestHash, StatusCode, ResponseBody, Location, CreatedAt
          from IdempotencyRecord
         where ApiKeyId = @apiKeyId and IdempotencyKey = @key
        """;

    internal string FindSql => db.Dialect.LockingRows(RecordSql, "IdempotencyRecord");

    public async Task<IResult> RunAsync(WriteRequest request, Func<DbConnection, DbTransaction, DateTime, Task<WriteOutcome>> work, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryRunAsync(request, work, ct);
            }
            catch (DbException e) when (attempt == 1 && db.Dialect.IsUniqueViolation(e))
            {
                // A concurrent request committed the same key (or created the same row) first: run again and
                // answer as it did, or as the row now stands.
            }
        }
    }

    private async Task<IResult> TryRunAsync(WriteRequest request, Func<DbConnection, DbTransaction, DateTime, Task<WriteOutcome>> work, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var tx = db.Dialect.BeginWriteTransaction(connection);
        var now = clock.GetUtcNow().UtcDateTime;
        var args = new { apiKeyId = request.ApiKeyId, key = request.IdempotencyKey, cutoff = now.AddHours(-options.Value.IdempotencyRetentionHours) };
        if (request.IdempotencyKey is not null)
        {
            await connection.ExecuteAsync(DeleteExpiredSql, args, tx);
            var first = await connection.QuerySingleOrDefaultAsync<IdempotencyRecord>(FindSql, args, tx);
            if (first is not null)
            {
                await tx.RollbackAsync(ct);
                return first.RequestHash == request.Fingerprint
                    ? new StoredResponse(first.StatusCode, first.ResponseBody, first.Location, Replayed: true)
                    : ApiProblems.Problem(StatusCodes.Status422UnprocessableEntity, ApiProblems.IdempotencyMismatch,
                        "This Idempotency-Key was already used for a different request.",
                        $"The key was first used at {first.CreatedAt:yyyy-MM-dd HH:mm:ss} UTC. Send a new key for a new request.");
            }
        }

        var outcome = await work(connection, tx, now);
        if (outcome.Problem is not null)
        {
            await tx.RollbackAsync(ct);
            return outcome.Problem;
        }
        var json = outcome.Body is null ? "" : JsonSerializer.Serialize(outcome.Body, JsonSerializerOptions.Web);
        if (request.IdempotencyKey is not null)
        {
            await connection.ExecuteAsync(
                db.Dialect.InsertReturningId("IdempotencyRecord", "ApiKeyId", "IdempotencyKey", "RequestHash", "StatusCode", "ResponseBody", "Location", "CreatedAt"),
                new
                {
                    request.ApiKeyId, request.IdempotencyKey, RequestHash = request.Fingerprint, StatusCode = outcome.Status,
                    ResponseBody = json, outcome.Location, CreatedAt = now,
                }, tx);
        }
        await tx.CommitAsync(ct);
        return new StoredResponse(outcome.Status, json, outcome.Location, Replayed: false);
    }

    internal const string PurgeSql = "delete from IdempotencyRecord where CreatedAt <= @cutoff";

    /// <summary>Forgets records past the retention window; returns how many.</summary>
    public Task<int> PurgeExpiredAsync(CancellationToken ct = default) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(PurgeSql, new { cutoff = clock.GetUtcNow().UtcDateTime.AddHours(-options.Value.IdempotencyRetentionHours) }, tx), ct);

    private sealed record StoredResponse(int Status, string Body, string? Location, bool Replayed) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = Status;
            if (Location is not null) http.Response.Headers.Location = Location;
            if (Replayed) http.Response.Headers[ReplayedHeader] = "true";
            if (Body.Length == 0) return;
            http.Response.ContentType = "application/json; charset=utf-8";
            await http.Response.WriteAsync(Body, http.RequestAborted);
        }
    }
}
