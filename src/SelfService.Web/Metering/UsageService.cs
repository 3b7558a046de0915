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

    // What the rollup has folded, as of its watermark: every (customer, range) read once per watermark. The rows
    // behind it change only in the rollup's transaction, which moves the watermark with them, so a cached answer
    // for watermark W stays exact while W is the watermark; events past W are read every time.
    private const string WatermarkRow = "(select coalesce(max(LastEventId), 0) as LastEventId from RollupWatermark where Name = 'usage-hourly')";

    internal const string RolledUpSql = $"""
        select w.LastEventId as Watermark, 0 as Part, h.FeatureId, sum(h.Total) as Value, max(h.Peak) as Peak, null as LatestAt
          from {WatermarkRow} w
          join UsageHourly h on h.CustomerId = @customerId and h.HourStart >= @from and h.HourStart < @to
         group by w.LastEventId, h.FeatureId
        union all
        select w.LastEventId, 1, h.FeatureId, h.LatestValue, 0.0, h.LatestAt
          from {WatermarkRow} w
          cross join Feature f
          cross join UsageHourly h
         where f.Aggregation = 'Latest' and h.CustomerId = @customerId and h.FeatureId = f.Id
           and h.HourStart = (select max(m.HourStart) from UsageHourly m
                               where m.CustomerId = @customerId and m.FeatureId = f.Id and m.HourStart < @to)
        union all
        select w.LastEventId, 2, null, 0.0, 0.0, null
          from {WatermarkRow} w
        """;

    // The events the rollup has not folded yet, with the watermark they follow (one row with null event columns when none).
    internal const string UnrolledSql = $"""
        select w.LastEventId as Watermark, e.Id, e.FeatureId, e.OccurredAt, e.Quantity
          from {WatermarkRow} w
          left join UsageEvent e on e.CustomerId = @customerId and e.Id > w.LastEventId and e.OccurredAt < @to
        """;

    private sealed record RolledUp(long Watermark, IReadOnlyDictionary<long, (double Total, double Peak)> Sums,
        IReadOnlyDictionary<long, (DateTime At, double Value)> Latest);

    private const int MaxCachedRanges = 20_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(long Customer, DateTime From, DateTime To), RolledUp> _rolledUp = new();

    /// <summary>
    /// Usage of every feature in <c>[from, to)</c>, by each feature's aggregation: Sum adds up, Max takes the
    /// peak, Latest takes the last value reported before <paramref name="to"/> whenever it was reported.
    /// One small read when the rollup has not moved since the last answer for this range: the events past its watermark.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, double>> TotalsAsync(long customerId, IReadOnlyCollection<Feature> features, DateTime from, DateTime to, CancellationToken ct = default)
    {
        from = Hour(from);
        to = Hour(to);
        var key = (customerId, from, to);
        await using var connection = await db.OpenAsync(ct);
        var parameters = new { customerId, from, to };
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var unrolled = (await connection.QueryAsync<(long Watermark, long? Id, long? FeatureId, DateTime? OccurredAt, double? Quantity)>(
                new CommandDefinition(UnrolledSql, parameters, cancellationToken: ct))).AsList();
            var watermark = unrolled[0].Watermark;
            if (!_rolledUp.TryGetValue(key, out var rolled) || rolled.Watermark != watermark)
            {
                rolled = await ReadRolledUp(connection, parameters, ct);
                // The rollup moved between the two reads: read the events past its new watermark again.
                if (rolled.Watermark != watermark) continue;
                if (_rolledUp.Count >= MaxCachedRanges) _rolledUp.Clear();
                _rolledUp[key] = rolled;
            }
            return Combine(features, from, rolled, unrolled.Where(e => e.Id is not null)
                .Select(e => (e.Id!.Value, e.FeatureId!.Value, e.OccurredAt!.Value, e.Quantity!.Value)));
        }
        // A rollup committing at every turn: answer from one statement that sees both parts at once.
        return await TotalsAsync(connection, null, customerId, features, from, to, ct);
    }

    private static async Task<RolledUp> ReadRolledUp(System.Data.Common.DbConnection connection, object parameters, CancellationToken ct)
    {
        var rows = (await connection.QueryAsync<(long Watermark, int Part, long? FeatureId, double Value, double Peak, DateTime? LatestAt)>(
            new CommandDefinition(RolledUpSql, parameters, cancellationToken: ct))).AsList();
        var sums = rows.Where(r => r.Part == 0).ToDictionary(r => r.FeatureId!.Value, r => (r.Value, r.Peak));
        var latest = rows.Where(r => r.Part == 1).GroupBy(r => r.FeatureId!.Value)
            .ToDictionary(g => g.Key, g => g.Select(r => (At: r.LatestAt!.Value, r.Value)).MaxBy(r => r.At));
        return new RolledUp(rows.Single(r => r.Part == 2).Watermark, sums, latest);
    }

    private static Dictionary<long, double> Combine(IReadOnlyCollection<Feature> features, DateTime from, RolledUp rolled,
        IEnumerable<(long Id, long FeatureId, DateTime OccurredAt, double Quantity)> unrolled)
    {
        var sums = new Dictionary<long, (double Total, double Peak)>(rolled.Sums);
        // Latest by event time; at the same instant the value received last wins: raw events (by id) over rollups,
        // as the rollup itself does when it folds them.
        var latest = rolled.Latest.ToDictionary(kv => kv.Key, kv => (kv.Value.At, Seq: 0L, kv.Value.Value));
        foreach (var e in unrolled)
        {
            if (!latest.TryGetValue(e.FeatureId, out var l) || (e.OccurredAt, e.Id).CompareTo((l.At, l.Seq)) >= 0)
                latest[e.FeatureId] = (e.OccurredAt, e.Id, e.Quantity);
            if (e.OccurredAt < from) continue;
            var (total, peak) = sums.TryGetValue(e.FeatureId, out var s) ? s : (0, double.MinValue);
            sums[e.FeatureId] = (total + e.Quantity, Math.Max(peak, e.Quantity));
        }
        return Select(features, sums, latest.ToDictionary(kv => kv.Key, kv => kv.Value.Value));
    }

    private static Dictionary<long, double> Select(IReadOnlyCollection<Feature> features,
        IReadOnlyDictionary<long, (double Total, double Peak)> sums, IReadOnlyDictionary<long, double> latest)
    {
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

        return Select(features, sums.ToDictionary(kv => kv.Key, kv => (kv.Value.Total, kv.Value.Peak)), latest);
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
