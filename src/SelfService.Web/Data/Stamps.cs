using Dapper;

namespace SelfService.Data;

/// <summary>The database's change counters, read together: what the entitlement engine reads, and the API keys.</summary>
public sealed record StampValues(long Entitlements, long ApiKeys);

/// <summary>
/// Reads the stamps that triggers move on every change (migrations 0008 and 0028), so a process can keep accounts
/// and verified API keys in memory and know with one small read, shared by the requests that ask at the same moment
/// (<see cref="FreshReads{TKey, TValue}"/>), whether they are still current: a change committed by any process, through
/// any path, raw SQL included, is seen by the next request of every process.
/// </summary>
public sealed class Stamps(Db db)
{
    internal const string ReadSql = "select Name, Value from EntitlementStamp";
    public const string EntitlementsName = "entitlements";
    public const string ApiKeysName = "api-keys";

    private readonly FreshReads<int, StampValues> _reads = new();

    /// <summary>The stamps as of a moment no earlier than this call.</summary>
    public Task<StampValues> CurrentAsync(CancellationToken ct = default) => _reads.GetAsync(0, _ => ReadAsync(), ct);

    private async Task<StampValues> ReadAsync()
    {
        await using var connection = await db.OpenAsync();
        var rows = (await connection.QueryAsync<(string Name, long Value)>(ReadSql)).ToDictionary(r => r.Name, r => r.Value, StringComparer.Ordinal);
        return new StampValues(rows.GetValueOrDefault(EntitlementsName), rows.GetValueOrDefault(ApiKeysName));
    }
}
