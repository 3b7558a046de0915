using Dapper;
using SelfService.Catalog;
using SelfService.Data;

namespace SelfService.Metering;

public enum Granularity { Hour, Day }

public readonly record struct UsagePoint(DateTime Start, double Value);

/// <summary>
/// The one way to read usage. Every answer combines the hourly rollups with the accepted events the rollup
/// has not folded in yet (those past its watermark), in one statement, so it includes every accepted event.
/// Ranges are whole hours: <c>from</c> and <c>to</c> are taken down to the hour.
/// </summary>
public sealed class UsageService(Db db)
{
    public const string RollupName = "usage-hourly";

    // Latest: one seek per Latest feature for its last bucket (a cross join keeps SQLite's planner from scanning
    // the customer's whole history of buckets instead).
    internal const string TotalsSql = """
        select u.FeatureId, sum(u.Total) as Total, max(u.Peak) as Peak
          from (select h.FeatureId, h.Total, h.Peak
                  from UsageHourly h
                 where h.CustomerId = @customerId and h.HourStart >= @from and h.HourStart < @to
                union all
                select e.FeatureId, e.Quantity, e.Quantity
                  from UsageEvent e
                 where e.CustomerId = @customerId and e.OccurredAt >= @from and e.OccurredAt < @to
                   and e.Id > (select coalesce(max(w.LastEventId), 0) from RollupWatermark w where w.Name = 'usage-hourly')) u
         group by u.FeatureId;

        select u.FeatureId, u.LatestAt, u.LatestValue, u.Seq
          from (select h.FeatureId, h.LatestAt, h.LatestValue, 0 as Seq
                  from Feature f
                  cross join UsageHourly h
                 where f.Aggregation = 'Latest' and h.CustomerId = @customerId and h.FeatureId = f.Id
                   and h.HourStart = (select max(m.HourStart) from UsageHourly m
                                       where m.CustomerId = @customerId and m.FeatureId = f.Id and m.HourStart < @to)
                union all
                select e.FeatureId, e.OccurredAt, e.Quantity, e.Id
                  from UsageEvent e
                 where e.CustomerId = @customerId and e.OccurredAt < @to
                   and e.Id > (select coalesce(max(w.LastEventId), 0) from RollupWatermark w where w.Name = 'usage-hourly')) u;
        """;

    /// <summary>
    /// Usage of every feature in <c>[from, to)</c>, by each feature's aggregation: Sum adds up, Max takes the
    /// peak, Latest takes the last value reported before <paramref name="to"/> whenever it was reported.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, double>> TotalsAsync(long customerId, IReadOnlyCollection<Feature> features, DateTime from, DateTime to, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return await TotalsAsync(connection, null, customerId, features, from, to, ct);
    }

    /// <summary>
    /// <see cref="TotalsAsync(long, IReadOnlyCollection{Feature}, DateTime, DateTime, CancellationToken)"/> on an open
    /// connection, inside <paramref name="tx"/> when given: what a writer sees of its own uncommitted rollup.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, double>> TotalsAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? tx,
        long customerId, IReadOnlyCollection<Feature> features, DateTime from, DateTime to, CancellationToken ct = default)
    {
        using var grid = await connection.QueryMultipleAsync(new CommandDefinition(TotalsSql,
            new { customerId, from = Hour(from), to = Hour(to) }, tx, cancellationToken: ct));
        var sums = (await grid.ReadAsync<(long FeatureId, double Total, double Peak)>()).ToDictionary(r => r.FeatureId);
        // Latest by event time; at the same instant the value received last wins: raw events (by id) over rollups,
        // as the rollup itself does when it folds them.
        var latest = (await grid.ReadAsync<(long FeatureId, DateTime LatestAt, double LatestValue, long Seq)>())
            .GroupBy(r => r.FeatureId)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.LatestAt).ThenBy(r => r.Seq).Last().LatestValue);

        var result = new Dictionary<long, double>();
        foreach (var f in features.Where(f => f.IsNumeric))
        {
            result[f.Id] = f.Aggregation switch
            {
                Aggregation.Latest => latest.GetValueOrDefault(f.Id),
                Aggregation.Max => sums.TryGetValue(f.Id, out var m) ? m.Peak : 0,
                _ => sums.TryGetValue(f.Id, out var s) ? s.Total : 0,
            };
        }
        return result;
    }

    /// <summary>Usage of one feature in one period (Latest features: the last value reported before the period ends).</summary>
    public async Task<double> UsageAsync(long customerId, Feature feature, UsagePeriod period, CancellationToken ct = default) =>
        (await TotalsAsync(customerId, [feature], period.Start, period.End, ct)).GetValueOrDefault(feature.Id);

    internal string SeriesSql(Granularity granularity)
    {
        var bucket = granularity == Granularity.Day ? db.Dialect.DayOf("h.HourStart") : "h.HourStart";
        return $"""
            select h.FeatureId, {bucket} as BucketStart, sum(h.Total) as Total, max(h.Peak) as Peak
              from UsageHourly h
              join Feature f on f.Id = h.FeatureId
             where h.CustomerId = @customerId and h.HourStart >= @from and h.HourStart < @to and f.Aggregation <> 'Latest'
             group by h.FeatureId, {bucket};

            select h.FeatureId, h.HourStart, h.LatestAt, h.LatestValue
              from UsageHourly h
              join Feature f on f.Id = h.FeatureId
             where h.CustomerId = @customerId and h.HourStart >= @from and h.HourStart < @to and f.Aggregation = 'Latest';

            select e.FeatureId, e.OccurredAt, e.Quantity
              from UsageEvent e
             where e.CustomerId = @customerId and e.OccurredAt >= @from and e.OccurredAt < @to
               and e.Id > (select coalesce(max(w.LastEventId), 0) from RollupWatermark w where w.Name = 'usage-hourly')
             order by e.Id;
            """;
    }

    /// <summary>
    /// Every feature's usage per hour or per day over <c>[from, to)</c>, in one round trip. A bucket with no
    /// report is absent (Sum, Max) or carries the last value forward (Latest).
    /// </summary>
    public async Task<IReadOnlyDictionary<long, IReadOnlyList<UsagePoint>>> SeriesAsync(long customerId, IReadOnlyCollection<Feature> features,
        DateTime from, DateTime to, Granularity granularity, CancellationToken ct = default)
    {
        from = Hour(from);
        to = Hour(to);
        await using var connection = await db.OpenAsync(ct);
        using var grid = await connection.QueryMultipleAsync(new CommandDefinition(SeriesSql(granularity),
            new { customerId, from, to }, cancellationToken: ct));
        var aggregated = await grid.ReadAsync<(long FeatureId, DateTime BucketStart, double Total, double Peak)>();
        var latestRows = await grid.ReadAsync<(long FeatureId, DateTime HourStart, DateTime LatestAt, double LatestValue)>();
        var raw = await grid.ReadAsync<(long FeatureId, DateTime OccurredAt, double Quantity)>();

        DateTime Bucket(DateTime t) => granularity == Granularity.Day ? DateTime.SpecifyKind(t.Date, DateTimeKind.Utc) : Hour(t);
        var byFeature = features.ToDictionary(f => f.Id);
        var sums = new Dictionary<(long, DateTime), (double Total, double Peak)>();
        foreach (var r in aggregated)
            sums[(r.FeatureId, Bucket(r.BucketStart))] = (r.Total, r.Peak);
        var latest = new Dictionary<(long, DateTime), (DateTime At, double Value)>();
        void Latest(long featureId, DateTime at, double value)
        {
            var key = (featureId, Bucket(at));
            if (!latest.TryGetValue(key, out var current) || at >= current.At) latest[key] = (at, value);
        }
        foreach (var r in latestRows) Latest(r.FeatureId, r.LatestAt, r.LatestValue);
        foreach (var e in raw)
        {
            if (!byFeature.TryGetValue(e.FeatureId, out var f)) continue;
            if (f.Aggregation == Aggregation.Latest) { Latest(e.FeatureId, e.OccurredAt, e.Quantity); continue; }
            var key = (e.FeatureId, Bucket(e.OccurredAt));
            var (total, peak) = sums.GetValueOrDefault(key);
            sums[key] = (total + e.Quantity, Math.Max(peak, e.Quantity));
        }

        var result = new Dictionary<long, IReadOnlyList<UsagePoint>>();
        foreach (var f in features.Where(f => f.IsNumeric))
        {
            if (f.Aggregation == Aggregation.Latest)
            {
                result[f.Id] = latest.Where(kv => kv.Key.Item1 == f.Id).OrderBy(kv => kv.Key.Item2)
                    .Select(kv => new UsagePoint(kv.Key.Item2, kv.Value.Value)).ToList();
            }
            else
            {
                var max = f.Aggregation == Aggregation.Max;
                result[f.Id] = sums.Where(kv => kv.Key.Item1 == f.Id).OrderBy(kv => kv.Key.Item2)
                    .Select(kv => new UsagePoint(kv.Key.Item2, max ? kv.Value.Peak : kv.Value.Total)).ToList();
            }
        }
        return result;
    }

    public static DateTime Hour(DateTime t) => new(t.Year, t.Month, t.Day, t.Hour, 0, 0, DateTimeKind.Utc);
}
