using System.Security.Cryptography;
using System.Text;
using Dapper;
using SelfService.Data;

namespace SelfService.Api;

public static class ApiScopes
{
    public const string UsageWrite = "usage:write";
    public const string EntitlementsRead = "entitlements:read";
    public const string ProvisioningWrite = "provisioning:write";
    public const string WebhooksWrite = "webhooks:write";

    public static readonly string[] All = [UsageWrite, EntitlementsRead, ProvisioningWrite, WebhooksWrite];
}

public sealed record ApiKey
{
    public long Id { get; init; }
    public required string Name { get; init; }
    public required string Prefix { get; init; }
    public string KeyHash { get; init; } = "";
    public required string Scopes { get; init; }
    public DateTime CreatedAt { get; init; }
    public string CreatedBy { get; init; } = "";
    public DateTime? RevokedAt { get; init; }
    public DateTime? LastUsedAt { get; init; }

    public IReadOnlyList<string> ScopeList => Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>
/// API keys for the vendor's apps: <c>ss_{prefix}_{secret}</c>. Only a SHA-256 hash is stored; the key
/// itself is shown once, when it is created. The prefix finds the row; the hash is compared in constant time.
/// A verified key is kept in memory under the API-key stamp (migration 0028: triggers move it when a key is revoked,
/// deleted or changed), so a request costs the one shared stamp read instead of a lookup, and a key revoked by any
/// process, or by hand in the database, is refused on the next request of every process.
/// </summary>
public sealed class ApiKeyStore(Db db, Stamps stamps, TimeProvider clock)
{
    private const int MaxCachedKeys = 10_000;
    private sealed record Verified(long Stamp, ApiKey Key);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Verified> _verified = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, DateTime> _touched = new();

    internal string InsertKeySql => db.Dialect.InsertReturningId("ApiKey", "Name", "Prefix", "KeyHash", "Scopes", "CreatedAt", "CreatedBy");

    /// <summary>Creates a key and returns it in plain text; it cannot be read back later.</summary>
    public async Task<(ApiKey Key, string Plaintext)> CreateAsync(string name, IEnumerable<string> scopes, string createdBy, string? plaintext = null, CancellationToken ct = default)
    {
        plaintext ??= $"ss_{Random(8)}_{Random(32)}";
        var prefix = PrefixOf(plaintext) ?? throw new ArgumentException("An API key looks like ss_{prefix}_{secret}.", nameof(plaintext));
        var key = new ApiKey
        {
            Name = name, Prefix = prefix, KeyHash = Hash(plaintext), Scopes = string.Join(' ', scopes.Distinct().Order()),
            CreatedAt = clock.GetUtcNow().UtcDateTime, CreatedBy = createdBy,
        };
        var id = await db.WriteAsync((c, tx) => c.ExecuteScalarAsync<long>(
            InsertKeySql, key, tx), ct);
        return (key with { Id = id }, plaintext);
    }

    internal const string ByPrefixSql = """
        select Id, Name, Prefix, KeyHash, Scopes, CreatedAt, CreatedBy, RevokedAt, LastUsedAt
          from ApiKey
         where Prefix = @prefix
        """;

    internal const string TouchSql = "update ApiKey set LastUsedAt = @now where Id = @id and (LastUsedAt is null or LastUsedAt < @stale)";

    /// <summary>The live key matching <paramref name="plaintext"/>, or null. Records its use at most once a minute.</summary>
    public async Task<ApiKey?> VerifyAsync(string plaintext, CancellationToken ct = default)
    {
        if (PrefixOf(plaintext) is not { } prefix) return null;
        var hash = Hash(plaintext);
        // The stamp is read before the row: a key revoked after it only costs a lookup later, never a stale yes.
        var stamp = (await stamps.CurrentAsync(ct)).ApiKeys;
        if (_verified.TryGetValue(hash, out var verified) && verified.Stamp == stamp)
        {
            await TouchAsync(null, verified.Key, ct);
            return verified.Key;
        }
        await using var connection = await db.OpenAsync(ct);
        var key = await connection.QuerySingleOrDefaultAsync<ApiKey>(new CommandDefinition(ByPrefixSql, new { prefix }, cancellationToken: ct));
        if (key is null || key.RevokedAt is not null) return null;
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(hash), Encoding.ASCII.GetBytes(key.KeyHash))) return null;
        // Only keys that verified are kept: a flood of made-up keys costs lookups (limited per address), never memory.
        if (_verified.Count >= MaxCachedKeys) _verified.Clear();
        _verified[hash] = new Verified(stamp, key);
        if (key.LastUsedAt is { } used) _touched.TryAdd(key.Id, used);
        await TouchAsync(connection, key, ct);
        return key;
    }

    private async Task TouchAsync(System.Data.Common.DbConnection? open, ApiKey key, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var stale = now.AddMinutes(-1);
        if (_touched.TryGetValue(key.Id, out var last) && last >= stale) return;
        if (_touched.Count >= MaxCachedKeys) _touched.Clear();
        _touched[key.Id] = now;
        if (open is not null)
        {
            await open.ExecuteAsync(new CommandDefinition(TouchSql, new { id = key.Id, now, stale }, cancellationToken: ct));
            return;
        }
        await using var connection = await db.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(TouchSql, new { id = key.Id, now, stale }, cancellationToken: ct));
    }

    internal const string ListSql = """
        select Id, Name, Prefix, Scopes, CreatedAt, CreatedBy, RevokedAt, LastUsedAt
          from ApiKey
         order by CreatedAt desc, Id desc
        """;

    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<ApiKey>(new CommandDefinition(ListSql, cancellationToken: ct))).AsList();
    }

    internal const string RevokeSql = "update ApiKey set RevokedAt = @now where Id = @id and RevokedAt is null";

    /// <summary>Revokes a key at once; false when there is no such live key.</summary>
    public async Task<bool> RevokeAsync(long id, CancellationToken ct = default) =>
        await db.WriteAsync((c, tx) => c.ExecuteAsync(RevokeSql, new { id, now = clock.GetUtcNow().UtcDateTime }, tx), ct) > 0;

    /// <summary>Creates a key inside the caller's write transaction, so an audit entry can share it; the plain text is shown once.</summary>
    public async Task<(ApiKey Key, string Plaintext)> CreateAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, string name, IEnumerable<string> scopes, string createdBy, string? plaintext = null)
    {
        if (!string.IsNullOrEmpty(plaintext) && !IsWellFormed(plaintext)) throw new ArgumentException("An API key looks like ss_{prefix}_{secret}.", nameof(plaintext));
        plaintext = string.IsNullOrEmpty(plaintext) ? $"ss_{Random(8)}_{Random(32)}" : plaintext;
        var key = new ApiKey
        {
            Name = name, Prefix = PrefixOf(plaintext)!, KeyHash = Hash(plaintext), Scopes = string.Join(' ', scopes.Distinct().Order()),
            CreatedAt = clock.GetUtcNow().UtcDateTime, CreatedBy = createdBy,
        };
        var id = await c.ExecuteScalarAsync<long>(InsertKeySql, key, tx);
        return (key with { Id = id }, plaintext);
    }

    /// <summary>Revokes a key inside the caller's write transaction; false when there is no such live key.</summary>
    public async Task<bool> RevokeAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, long id) =>
        await c.ExecuteAsync(RevokeSql, new { id, now = clock.GetUtcNow().UtcDateTime }, tx) > 0;

    /// <summary>Whether <paramref name="plaintext"/> has the shape of a key: <c>ss_{prefix}_{secret}</c>.</summary>
    public static bool IsWellFormed(string plaintext) => PrefixOf(plaintext) is not null;

    private static string? PrefixOf(string plaintext)
    {
        var parts = plaintext.Split('_');
        return parts is ["ss", { Length: >= 6 and <= 32 } prefix, { Length: >= 16 }] ? prefix : null;
    }

    private static string Hash(string plaintext) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(plaintext)));

    private static string Random(int length)
    {
        const string alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return RandomNumberGenerator.GetString(alphabet, length);
    }
}
