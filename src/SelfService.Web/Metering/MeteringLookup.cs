using System.Collections.Concurrent;
using Dapper;
using SelfService.Catalog;
using SelfService.Data;

namespace SelfService.Metering;

/// <summary>What ingestion needs to know about a feature.</summary>
public sealed record MeteredFeatureRef(long Id, string Handle, FeatureKind Kind);

/// <summary>
/// Customer keys and feature handles to ids, cached for ingestion. Customers and features are never renamed or
/// removed, so an entry never goes stale; a miss goes to the database (once per distinct key per batch), so a
/// customer or feature created a moment ago on any instance is seen at once. Unknown keys are not cached.
/// </summary>
public sealed class MeteringLookup(Db db)
{
    private readonly ConcurrentDictionary<string, long> _customers = new(StringComparer.Ordinal);
    private volatile Dictionary<string, MeteredFeatureRef> _features = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _featureReload = new(1, 1);

    internal const string CustomerIdSql = "select Id from Customer where ExternalKey = @key";

    internal const string FeatureRefsSql = "select Id, Handle, Kind from Feature";

    internal const string AssignedSeatHandlesSql = "select Handle from Feature where AssignedSeats = @yes";

    /// <summary>
    /// The features held as assigned seats, read fresh for every batch: unlike a handle, the flag can change, and a batch
    /// on any instance must see an operator's change at once.
    /// </summary>
    public async Task<IReadOnlySet<string>> AssignedSeatHandlesAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<string>(new CommandDefinition(AssignedSeatHandlesSql, new { yes = true }, cancellationToken: ct))).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Resolves every key at once; absent from the answers means unknown.</summary>
    public async Task<(IReadOnlyDictionary<string, long> Customers, IReadOnlyDictionary<string, MeteredFeatureRef> Features)> ResolveAsync(
        IEnumerable<string> customerKeys, IEnumerable<string> featureHandles, CancellationToken ct)
    {
        var customers = new Dictionary<string, long>(StringComparer.Ordinal);
        var missingCustomers = new List<string>();
        foreach (var key in customerKeys)
        {
            if (customers.ContainsKey(key)) continue;
            if (_customers.TryGetValue(key, out var id)) customers[key] = id;
            else if (!missingCustomers.Contains(key)) missingCustomers.Add(key);
        }

        var featureMap = _features;
        var handles = featureHandles.Distinct(StringComparer.Ordinal).ToList();
        if (handles.Any(h => !featureMap.ContainsKey(h))) featureMap = await ReloadFeaturesAsync(ct);
        var features = new Dictionary<string, MeteredFeatureRef>(StringComparer.Ordinal);
        foreach (var h in handles)
            if (featureMap.TryGetValue(h, out var f)) features[h] = f;

        if (missingCustomers.Count > 0)
        {
            await using var connection = await db.OpenAsync(ct);
            foreach (var key in missingCustomers)
            {
                var id = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(CustomerIdSql, new { key }, cancellationToken: ct));
                if (id is not { } found) continue;
                _customers[key] = found;
                customers[key] = found;
            }
        }
        return (customers, features);
    }

    private async Task<Dictionary<string, MeteredFeatureRef>> ReloadFeaturesAsync(CancellationToken ct)
    {
        await _featureReload.WaitAsync(ct);
        try
        {
            await using var connection = await db.OpenAsync(ct);
            var rows = await connection.QueryAsync<(long Id, string Handle, string Kind)>(new CommandDefinition(FeatureRefsSql, cancellationToken: ct));
            return _features = rows.ToDictionary(r => r.Handle, r => new MeteredFeatureRef(r.Id, r.Handle, Enum.Parse<FeatureKind>(r.Kind)), StringComparer.Ordinal);
        }
        finally
        {
            _featureReload.Release();
        }
    }

    /// <summary>Drops what is cached (for tests that change the catalog behind the app's back).</summary>
    internal void Clear()
    {
        _customers.Clear();
        _features = new(StringComparer.Ordinal);
    }
}
