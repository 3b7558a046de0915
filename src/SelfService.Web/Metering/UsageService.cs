using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Options;
using SelfService.Catalog;
using SelfService.Data;

namespace SelfService.Metering;

public enum Granularity { Hour, Day }

public readonly record struct UsagePoint(DateTime Start, decimal Value);

/// <summary>
/// The one way to read usage, for the portal, the check API, the token, the threshold monitor and analytics. Every
/// answer combines the hourly rollups with the accepted events the rollup has not folded in yet (those past its
/// watermark), both as of ONE watermark: each part is read with the watermark it saw, and the pair is taken only
/// when both saw the same one (a rollup commit moves the watermark with its rows, so equal watermarks mean no
/// commit fell between the parts); otherwise the pair is read again. So every answer includes every accepted
/// event exactly once. Ranges are whole hours: <c>from</c> and <c>to</c> are taken down to the hour.
/// </summary>
public sealed class UsageService(Db db, TimeProvider clock, IOptions<MeteringOptions> options)
{
    public const string RollupName = "usage-hourly";

    // The rollup's watermark as a one-row table, joined into every statement so that each part of a read says which
    // watermark it saw.
    private const string WatermarkRow = "(select coalesce(max(LastEventId), 0) as LastEventId from RollupWatermark where Name = 'usage-hourly')";

    // Rolled-up sums per feature over [from, to), the last Latest bucket before @to, and a row that carries the
    // watermark when there are no buckets. Latest takes one seek per Latest feature (a cross join keeps SQLite's
    // planner from scanning the customer's whole history of buckets instead).
    internal string RolledUpSql => $"""
        select w.LastEventId as Watermark, 0 as Part, h.FeatureId, {db.Dialect.ExactSum("h.Total")} as Value, max(h.Peak) as Peak, null as LatestAt
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

    // The same for every active subscription of one billing anchor day (operator analytics): driven from those
    // subscriptions, so it reads only their rows; Latest takes each customer's newest hour by a grouped max joined back.
    internal string RolledUpByAnchorSql => $"""
        select w.LastEventId as Watermark, 0 as Part, h.CustomerId, h.FeatureId, {db.Dialect.ExactSum("h.Total")} as Value, max(h.Peak) as Peak, null as LatestAt
          from {WatermarkRow} w
          join Subscription s on s.BillingAnchorDay = @anchorDay and s.Status = 'Active'
          join UsageHourly h on h.CustomerId = s.CustomerId and h.HourStart >= @from and h.HourStart < @to
         group by w.LastEventId, h.CustomerId, h.FeatureId
        union all
        select w.LastEventId, 1, h.CustomerId, h.FeatureId, h.LatestValue, 0.0, h.LatestAt
          from {WatermarkRow} w
          cross join (select m.CustomerId, m.FeatureId, max(m.HourStart) as HourStart
                        from Subscription s
                        join UsageHourly m on m.CustomerId = s.CustomerId
                        join Feature f on f.Id = m.FeatureId
                       where s.BillingAnchorDay = @anchorDay and s.Status = 'Active' and f.Aggregation = 'Latest' and m.HourStart < @to
                       group by m.CustomerId, m.FeatureId) newest
          join UsageHourly h on h.CustomerId = newest.CustomerId and h.FeatureId = newest.FeatureId and h.HourStart = newest.HourStart
        union all
        select w.LastEventId, 2, null, null, 0.0, 0.0, null
          from {WatermarkRow} w
        """;

    // The events the rollup has not folded yet, with the watermark they follow (one row with null event columns when none).
    private const string UnrolledSelect = $"""
        select w.LastEventId as Watermark, e.Id, e.CustomerId, e.FeatureId, e.OccurredAt, e.Quantity
          from {WatermarkRow} w
          left join UsageEvent e on e.Id > w.LastEventId
        """;

    internal const string UnrolledSql = $"{UnrolledSelect} and e.CustomerId = @customerId and e.OccurredAt < @to";

    internal const string UnrolledByAnchorSql = $"""
        {UnrolledSelect} and e.OccurredAt < @to
               and e.CustomerId in (select s.CustomerId from Subscription s where s.BillingAnchorDay = @anchorDay and s.Status = 'Active')
        """;

    internal const string UnrolledOfFeatureSql = $"{UnrolledSelect} and e.FeatureId = @featureId and e.OccurredAt >= @from and e.OccurredAt < @to";

    // Per bucket: Sum and Max features' buckets, every Latest bucket in range and the last one before it (carried
    // forward into the range), and the watermark row.
    internal string RolledUpSeriesSql(Granularity granularity) => granularity == Granularity.Day ? RolledUpDailySeriesSql : RolledUpHourlySeriesSql;

    internal string RolledUpHourlySeriesSql => SeriesOfBuckets("h.HourStart");

    internal string RolledUpDailySeriesSql => SeriesOfBuckets(db.Dialect.DayOf("h.HourStart"));

    private string SeriesOfBuckets(string bucket) => $"""
            select w.LastEventId as Watermark, 0 as Part, h.FeatureId, {bucket} as BucketStart, {db.Dialect.ExactSum("h.Total")} as Value, max(h.Peak) as Peak, null as LatestAt
              from {WatermarkRow} w
              join UsageHourly h on h.CustomerId = @customerId and h.HourStart >= @from and h.HourStart < @to
              join Feature f on f.Id = h.FeatureId and f.Aggregation <> 'Latest'
             group by w.LastEventId, h.FeatureId, {bucket}
            union all
            select w.LastEventId, 1, h.FeatureId, h.HourStart, h.LatestValue, 0.0, h.LatestAt
              from {WatermarkRow} w
              join UsageHourly h on h.CustomerId = @customerId and h.HourStart >= @from and h.HourStart < @to
              join Feature f on f.Id = h.FeatureId and f.Aggregation = 'Latest'
            union all
            select w.LastEventId, 1, h.FeatureId, h.HourStart, h.LatestValue, 0.0, h.LatestAt
              from {WatermarkRow} w
              cross join Feature f
              cross join UsageHourly h
             where f.Aggregation = 'Latest' and h.CustomerId = @customerId and h.FeatureId = f.Id
               and h.HourStart = (select max(m.HourStart) from UsageHourly m
                                   where m.CustomerId = @customerId and m.FeatureId = f.Id and m.HourStart < @from)
            union all
            select w.LastEventId, 2, null, null, 0.0, 0.0, null
              from {WatermarkRow} w
            """;

    // One customer's (or, for the trend, every customer's) daily sums and peaks of one feature.
    internal string RolledUpDailyOfFeatureSql => $"""
        select w.LastEventId as Watermark, 0 as Part, h.CustomerId, {db.Dialect.DayOf("h.HourStart")} as BucketStart, {db.Dialect.ExactSum("h.Total")} as Value, max(h.Peak) as Peak
          from {WatermarkRow} w
          join UsageHourly h on h.FeatureId = @featureId and h.HourStart >= @from and h.HourStart < @to
         group by w.LastEventId, h.CustomerId, {db.Dialect.DayOf("h.HourStart")}
        union all
        select w.LastEventId, 2, null, null, 0.0, 0.0
          from {WatermarkRow} w
        """;

    /// <summary>An accepted event the rollup has not folded yet.</summary>
    private readonly record struct RawEvent(long Id, long CustomerId, long FeatureId, DateTime OccurredAt, decimal Quantity);

    private sealed record RolledUp(long Watermark, IReadOnlyDictionary<long, (decimal Total, decimal Peak)> Sums,
        IReadOnlyDictionary<long, (DateTime At, decimal Value)> Latest);

    /// <summary>How often a read is tried again when a rollup committed between its two parts before it reads in one transaction.</summary>
    internal const int Attempts = 8;

    private const int MaxCachedRanges = 20_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(long Customer, DateTime From, DateTime To), RolledUp> _rolledUp = new();
    private readonly FreshReads<(long Customer, DateTime To), (long Watermark, List<RawEvent> Events)> _unrolledReads = new();

    /// <summary>Reads the two parts at one watermark: the rolled-up part first, then the events past the watermark it saw.</summary>
    private static async Task<(T Rolled, List<RawEvent> Unrolled, long Watermark)> AtOneWatermarkAsync<T>(DbConnection connection,
        Func<DbTransaction?, Task<(long Watermark, T Value)>> rolled, string unrolledSql, object parameters, CancellationToken ct)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var r = await rolled(null);
            var (watermark, events) = await UnrolledAsync(connection, null, unrolledSql, parameters, ct);
            if (watermark == r.Watermark) return (r.Value, events, watermark);
        }
        // A rollup committing at every turn: read both in one serializable transaction, which no commit can split.
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, ct);
        var inTx = await rolled(tx);
        var (w, unrolled) = await UnrolledAsync(connection, tx, unrolledSql, parameters, ct);
        await tx.CommitAsync(ct);
        return (inTx.Value, unrolled, w);
    }

    private static async Task<(long Watermark, List<RawEvent> Events)> UnrolledAsync(DbConnection connection, DbTransaction? tx,
        string sql, object parameters, CancellationToken ct)
    {
        var rows = (await connection.QueryAsync<(long Watermark, long? Id, long? CustomerId, long? FeatureId, DateTime? OccurredAt, decimal? Quantity)>(
            new CommandDefinition(sql, parameters, tx, cancellationToken: ct))).AsList();
        var events = new List<RawEvent>(rows.Count);
        foreach (var r in rows)
            if (r.Id is { } id)
                events.Add(new RawEvent(id, r.CustomerId!.Value, r.FeatureId!.Value, DateTime.SpecifyKind(r.OccurredAt!.Value, DateTimeKind.Utc), r.Quantity!.Value));
        return (rows[0].Watermark, events);
    }

    /// <summary>
    /// Usage of every feature in <c>[from, to)</c>, by each feature's aggregation: Sum adds up, Max takes the
    /// peak, Latest takes the last value reported before <paramref name="to"/> whenever it was reported.
    /// One small read when the rollup has not moved since the last answer for this range: the events past its watermark.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, decimal>> TotalsAsync(long customerId, IReadOnlyCollection<Feature> features, DateTime from, DateTime to, CancellationToken ct = default) =>
        (await TotalsAtWatermarkAsync(customerId, features, from, to, ct)).Totals;

    /// <summary>
    /// <see cref="TotalsAsync(long, IReadOnlyCollection{Feature}, DateTime, DateTime, CancellationToken)"/> with the rollup
    /// watermark the answer was read at: every event with a higher id was read raw.
    /// </summary>
    public async Task<(IReadOnlyDictionary<long, decimal> Totals, long Watermark)> TotalsAtWatermarkAsync(long customerId,
        IReadOnlyCollection<Feature> features, DateTime from, DateTime to, CancellationToken ct = default)
    {
        from = Hour(from);
        to = Hour(to);
        var key = (customerId, from, to);
        var parameters = new { customerId, from, to };
        // Shared by the checks of one customer that ask at the same moment, never older than the question.
        var (watermark, unrolled) = await _unrolledReads.GetAsync((customerId, to), async k =>
        {
            await using var connection = await db.OpenAsync();
            return await UnrolledAsync(connection, null, UnrolledSql, new { customerId = k.Customer, to = k.To }, default);
        }, ct);
        if (!_rolledUp.TryGetValue(key, out var rolled) || rolled.Watermark != watermark)
        {
            await using var connection = await db.OpenAsync(ct);
            (rolled, unrolled, watermark) = await AtOneWatermarkAsync(connection, async tx =>
            {
                var r = await ReadRolledUpAsync(connection, tx, parameters, ct);
                return (r.Watermark, r);
            }, UnrolledSql, parameters, ct);
            if (_rolledUp.Count >= MaxCachedRanges) _rolledUp.Clear();
            _rolledUp[key] = rolled;
        }
        var totals = Combine(features, from, rolled, unrolled);
        if (!features.Any(f => f.AssignedSeats)) return (totals, watermark);
        await using var seatConnection = await db.OpenAsync(ct);
        return (await WithSeatsAsync(seatConnection, null, customerId, features, totals, ct), watermark);
    }

    internal const string SeatTimesSql = "select FeatureId, AssignedAt from SeatAssignment where CustomerId = @customerId";

    private static async Task<IReadOnlyList<(long FeatureId, DateTime AssignedAt)>> SeatTimesAsync(DbConnection connection, long customerId,
        IReadOnlyCollection<Feature> features, CancellationToken ct) =>
        !features.Any(f => f.AssignedSeats) ? []
            : (await connection.QueryAsync<(long FeatureId, DateTime AssignedAt)>(new CommandDefinition(SeatTimesSql, new { customerId }, cancellationToken: ct)))
                .Select(r => (r.FeatureId, DateTime.SpecifyKind(r.AssignedAt, DateTimeKind.Utc))).ToList();

    internal const string SeatCountsSql = "select FeatureId, count(*) as Seats from SeatAssignment where CustomerId = @customerId group by FeatureId";

    /// <summary>
    /// An assigned-seats feature's usage is the number of seats assigned now, whatever was reported for it before it was
    /// marked (reports for it are refused since): every surface that reads totals reads it here.
    /// </summary>
    private static async Task<Dictionary<long, decimal>> WithSeatsAsync(DbConnection connection, DbTransaction? tx, long customerId,
        IReadOnlyCollection<Feature> features, Dictionary<long, decimal> totals, CancellationToken ct)
    {
        if (!features.Any(f => f.AssignedSeats)) return totals;
        var seats = (await connection.QueryAsync<(long FeatureId, long Seats)>(new CommandDefinition(SeatCountsSql, new { customerId }, tx, cancellationToken: ct)))
            .ToDictionary(r => r.FeatureId, r => r.Seats);
        foreach (var f in features.Where(f => f.AssignedSeats)) totals[f.Id] = seats.GetValueOrDefault(f.Id);
        return totals;
    }

    /// <summary>
    /// <see cref="TotalsAsync(long, IReadOnlyCollection{Feature}, DateTime, DateTime, CancellationToken)"/> on an open
    /// connection, inside <paramref name="tx"/>: what a writer sees of its own uncommitted rollup.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, decimal>> TotalsAsync(DbConnection connection, DbTransaction tx,
        long customerId, IReadOnlyCollection<Feature> features, DateTime from, DateTime to, CancellationToken ct = default)
    {
        from = Hour(from);
        to = Hour(to);
        var parameters = new { customerId, from, to };
        var rolled = await ReadRolledUpAsync(connection, tx, parameters, ct);
        var (_, unrolled) = await UnrolledAsync(connection, tx, UnrolledSql, parameters, ct);
        return await WithSeatsAsync(connection, tx, customerId, features, Combine(features, from, rolled, unrolled), ct);
    }

    private async Task<RolledUp> ReadRolledUpAsync(DbConnection connection, DbTransaction? tx, object parameters, CancellationToken ct)
    {
        var rows = (await connection.QueryAsync<(long Watermark, int Part, long? FeatureId, decimal Value, decimal Peak, DateTime? LatestAt)>(
            new CommandDefinition(RolledUpSql, parameters, tx, cancellationToken: ct))).AsList();
        var sums = rows.Where(r => r.Part == 0).ToDictionary(r => r.FeatureId!.Value, r => (r.Value, r.Peak));
        var latest = rows.Where(r => r.Part == 1).GroupBy(r => r.FeatureId!.Value)
            .ToDictionary(g => g.Key, g => g.Select(r => (At: r.LatestAt!.Value, r.Value)).MaxBy(r => r.At));
        return new RolledUp(rows.Single(r => r.Part == 2).Watermark, sums, latest);
    }

    private static Dictionary<long, decimal> Combine(IReadOnlyCollection<Feature> features, DateTime from, RolledUp rolled, IEnumerable<RawEvent> unrolled)
    {
        var sums = new Dictionary<long, (decimal Total, decimal Peak)>(rolled.Sums);
        var latest = rolled.Latest.ToDictionary(kv => kv.Key, kv => new Reading(kv.Value.At, 0, kv.Value.Value));
        foreach (var e in unrolled)
        {
            Reading.Keep(latest, e.FeatureId, new Reading(e.OccurredAt, e.Id, e.Quantity));
            if (e.OccurredAt < from) continue;
            var (total, peak) = sums.TryGetValue(e.FeatureId, out var s) ? s : (0, decimal.MinValue);
            sums[e.FeatureId] = (total + e.Quantity, Math.Max(peak, e.Quantity));
        }
        return Select(features, sums, latest.ToDictionary(kv => kv.Key, kv => kv.Value.Value));
    }

    /// <summary>
    /// A Latest reading. By event time; at the same instant the value received last wins: raw events (by id) over a
    /// rolled-up bucket (sequence 0), as the rollup itself does when it folds them. Every surface uses this rule.
    /// </summary>
    private readonly record struct Reading(DateTime At, long Seq, decimal Value)
    {
        public static void Keep<TKey>(Dictionary<TKey, Reading> latest, TKey key, Reading candidate) where TKey : notnull
        {
            if (!latest.TryGetValue(key, out var current) || (candidate.At, candidate.Seq).CompareTo((current.At, current.Seq)) >= 0)
                latest[key] = candidate;
        }
    }

    private static Dictionary<long, decimal> Select(IReadOnlyCollection<Feature> features,
        IReadOnlyDictionary<long, (decimal Total, decimal Peak)> sums, IReadOnlyDictionary<long, decimal> latest)
    {
        var result = new Dictionary<long, decimal>();
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
    public async Task<decimal> UsageAsync(long customerId, Feature feature, UsagePeriod period, CancellationToken ct = default) =>
        (await TotalsAsync(customerId, [feature], period.Start, period.End, ct)).GetValueOrDefault(feature.Id);

    /// <summary>
    /// Usage of every active customer of one billing anchor day in <c>[from, to)</c>, by (customer, feature), by the
    /// same rules as <see cref="TotalsAsync(long, IReadOnlyCollection{Feature}, DateTime, DateTime, CancellationToken)"/>.
    /// </summary>
    public async Task<IReadOnlyDictionary<(long Customer, long Feature), decimal>> TotalsByAnchorAsync(int anchorDay,
        IReadOnlyCollection<Feature> features, DateTime from, DateTime to, CancellationToken ct = default)
    {
        from = Hour(from);
        to = Hour(to);
        var parameters = new { anchorDay, from, to };
        await using var connection = await db.OpenAsync(ct);
        var (rows, unrolled, _) = await AtOneWatermarkAsync(connection, async tx =>
        {
            var list = (await connection.QueryAsync<(long Watermark, int Part, long? CustomerId, long? FeatureId, decimal Value, decimal Peak, DateTime? LatestAt)>(
                new CommandDefinition(RolledUpByAnchorSql, parameters, tx, cancellationToken: ct))).AsList();
            return (list.Single(r => r.Part == 2).Watermark, list);
        }, UnrolledByAnchorSql, parameters, ct);

        var sums = new Dictionary<(long, long), (decimal Total, decimal Peak)>();
        var latest = new Dictionary<(long, long), Reading>();
        foreach (var r in rows)
        {
            if (r.Part == 0) sums[(r.CustomerId!.Value, r.FeatureId!.Value)] = (r.Value, r.Peak);
            else if (r.Part == 1) Reading.Keep(latest, (r.CustomerId!.Value, r.FeatureId!.Value), new Reading(r.LatestAt!.Value, 0, r.Value));
        }
        foreach (var e in unrolled)
        {
            var key = (e.CustomerId, e.FeatureId);
            Reading.Keep(latest, key, new Reading(e.OccurredAt, e.Id, e.Quantity));
            if (e.OccurredAt < from) continue;
            var (total, peak) = sums.TryGetValue(key, out var s) ? s : (0, decimal.MinValue);
            sums[key] = (total + e.Quantity, Math.Max(peak, e.Quantity));
        }

        var result = new Dictionary<(long Customer, long Feature), decimal>();
        var byId = features.Where(f => f.IsNumeric).ToDictionary(f => f.Id);
        foreach (var (key, value) in sums)
            if (byId.TryGetValue(key.Item2, out var f) && f.Aggregation != Aggregation.Latest)
                result[key] = f.Aggregation == Aggregation.Max ? value.Peak : value.Total;
        foreach (var (key, reading) in latest)
            if (byId.TryGetValue(key.Item2, out var f) && f.Aggregation == Aggregation.Latest)
                result[key] = reading.Value;
        if (byId.Values.Any(f => f.AssignedSeats))
        {
            foreach (var key in result.Keys.Where(k => byId[k.Feature].AssignedSeats).ToList()) result.Remove(key);
            foreach (var (customer, feature, seats) in await connection.QueryAsync<(long, long, long)>(new CommandDefinition(SeatCountsByAnchorSql, new { anchorDay }, cancellationToken: ct)))
                if (byId.TryGetValue(feature, out var f) && f.AssignedSeats) result[(customer, feature)] = seats;
        }
        return result;
    }

    internal const string SeatCountsByAnchorSql = """
        select a.CustomerId, a.FeatureId, count(*) as Seats
          from SeatAssignment a
          join Subscription s on s.CustomerId = a.CustomerId
         where s.BillingAnchorDay = @anchorDay and s.Status = 'Active'
         group by a.CustomerId, a.FeatureId
        """;

    /// <summary>One feature's daily usage per customer over <c>[from, to)</c>: (customer, day) → (total, peak).</summary>
    public async Task<IReadOnlyDictionary<(long Customer, DateTime Day), (decimal Total, decimal Peak)>> DailyOfFeatureAsync(long featureId,
        DateTime from, DateTime to, CancellationToken ct = default)
    {
        from = Hour(from);
        to = Hour(to);
        var parameters = new { featureId, from, to };
        await using var connection = await db.OpenAsync(ct);
        var (rows, unrolled, _) = await AtOneWatermarkAsync(connection, async tx =>
        {
            var list = (await connection.QueryAsync<(long Watermark, int Part, long? CustomerId, DateTime? BucketStart, decimal Value, decimal Peak)>(
                new CommandDefinition(RolledUpDailyOfFeatureSql, parameters, tx, cancellationToken: ct))).AsList();
            return (list.Single(r => r.Part == 2).Watermark, list);
        }, UnrolledOfFeatureSql, parameters, ct);
        var result = new Dictionary<(long Customer, DateTime Day), (decimal Total, decimal Peak)>();
        foreach (var r in rows.Where(r => r.Part == 0))
            result[(r.CustomerId!.Value, Day(r.BucketStart!.Value))] = (r.Value, r.Peak);
        foreach (var e in unrolled)
        {
            var key = (e.CustomerId, Day(e.OccurredAt));
            var (total, peak) = result.TryGetValue(key, out var s) ? s : (0, decimal.MinValue);
            result[key] = (total + e.Quantity, Math.Max(peak, e.Quantity));
        }
        return result;
    }

    /// <summary>
    /// Every feature's usage per hour or per day over <c>[from, to)</c>, read at one watermark. A bucket with no
    /// report is absent (Sum, Max); Latest features carry the last value forward (from before <paramref name="from"/>
    /// too) into every bucket up to the one holding the latest accepted instant (now plus the future tolerance).
    /// </summary>
    public async Task<IReadOnlyDictionary<long, IReadOnlyList<UsagePoint>>> SeriesAsync(long customerId, IReadOnlyCollection<Feature> features,
        DateTime from, DateTime to, Granularity granularity, CancellationToken ct = default)
    {
        from = Hour(from);
        to = Hour(to);
        var parameters = new { customerId, from, to };
        var sql = RolledUpSeriesSql(granularity);
        await using var connection = await db.OpenAsync(ct);
        var (rows, raw, _) = await AtOneWatermarkAsync(connection, async tx =>
        {
            var list = await SeriesRowsAsync(connection, tx, sql, parameters, ct);
            return (list.Single(r => r.Part == 2).Watermark, list);
        }, UnrolledSql, parameters, ct);
        return Series(features, from, to, granularity, rows, raw, await SeatTimesAsync(connection, customerId, features, ct));
    }

    /// <summary>
    /// One customer's totals over <c>[periodFrom, periodTo)</c> (as <see cref="TotalsAsync(long, IReadOnlyCollection{Feature}, DateTime, DateTime, CancellationToken)"/>)
    /// and series over <c>[seriesFrom, seriesTo)</c> (as <see cref="SeriesAsync"/>) read at ONE watermark, so that a page's
    /// headline and its chart and CSV come from the same accepted events.
    /// </summary>
    public async Task<(IReadOnlyDictionary<long, decimal> Totals, IReadOnlyDictionary<long, IReadOnlyList<UsagePoint>> Series)> TotalsAndSeriesAsync(
        long customerId, IReadOnlyCollection<Feature> totalFeatures, DateTime periodFrom, DateTime periodTo,
        IReadOnlyCollection<Feature> seriesFeatures, DateTime seriesFrom, DateTime seriesTo, Granularity granularity, CancellationToken ct = default)
    {
        (periodFrom, periodTo, seriesFrom, seriesTo) = (Hour(periodFrom), Hour(periodTo), Hour(seriesFrom), Hour(seriesTo));
        var totalsParameters = new { customerId, from = periodFrom, to = periodTo };
        var seriesParameters = new { customerId, from = seriesFrom, to = seriesTo };
        var unrolledParameters = new { customerId, to = periodTo > seriesTo ? periodTo : seriesTo };
        var sql = RolledUpSeriesSql(granularity);
        await using var connection = await db.OpenAsync(ct);
        var (parts, raw, _) = await AtOneWatermarkAsync(connection, async tx =>
        {
            var rolled = await ReadRolledUpAsync(connection, tx, totalsParameters, ct);
            var rows = await SeriesRowsAsync(connection, tx, sql, seriesParameters, ct);
            var watermark = rows.Single(r => r.Part == 2).Watermark;
            // A rollup committed between the two statements: no watermark fits both, so the pair is read again.
            return (rolled.Watermark == watermark ? watermark : -1, (Rolled: rolled, Rows: rows));
        }, UnrolledSql, unrolledParameters, ct);
        return (await WithSeatsAsync(connection, null, customerId, totalFeatures, Combine(totalFeatures, periodFrom, parts.Rolled, raw.Where(e => e.OccurredAt < periodTo)), ct),
            Series(seriesFeatures, seriesFrom, seriesTo, granularity, parts.Rows, raw.Where(e => e.OccurredAt < seriesTo), await SeatTimesAsync(connection, customerId, seriesFeatures, ct)));
    }

    private static async Task<List<(long Watermark, int Part, long? FeatureId, DateTime? BucketStart, decimal Value, decimal Peak, DateTime? LatestAt)>> SeriesRowsAsync(
        DbConnection connection, DbTransaction? tx, string sql, object parameters, CancellationToken ct) =>
        (await connection.QueryAsync<(long Watermark, int Part, long? FeatureId, DateTime? BucketStart, decimal Value, decimal Peak, DateTime? LatestAt)>(
            new CommandDefinition(sql, parameters, tx, cancellationToken: ct))).AsList();

    private IReadOnlyDictionary<long, IReadOnlyList<UsagePoint>> Series(IReadOnlyCollection<Feature> features, DateTime from, DateTime to, Granularity granularity,
        List<(long Watermark, int Part, long? FeatureId, DateTime? BucketStart, decimal Value, decimal Peak, DateTime? LatestAt)> rows, IEnumerable<RawEvent> raw, IReadOnlyList<(long FeatureId, DateTime AssignedAt)> seats)
    {
        DateTime Bucket(DateTime t) => granularity == Granularity.Day ? Day(t) : Hour(t);
        var byFeature = features.ToDictionary(f => f.Id);
        var sums = new Dictionary<(long, DateTime), (decimal Total, decimal Peak)>();
        var latest = new Dictionary<(long, DateTime), Reading>();
        var before = new Dictionary<long, Reading>();
        void Latest(long featureId, Reading r)
        {
            if (r.At < from) Reading.Keep(before, featureId, r);
            else Reading.Keep(latest, (featureId, Bucket(r.At)), r);
        }
        foreach (var r in rows)
        {
            if (r.Part == 0) sums[(r.FeatureId!.Value, Bucket(r.BucketStart!.Value))] = (r.Value, r.Peak);
            else if (r.Part == 1) Latest(r.FeatureId!.Value, new Reading(DateTime.SpecifyKind(r.LatestAt!.Value, DateTimeKind.Utc), 0, r.Value));
        }
        foreach (var e in raw)
        {
            if (!byFeature.TryGetValue(e.FeatureId, out var f)) continue;
            if (f.Aggregation == Aggregation.Latest) { Latest(e.FeatureId, new Reading(e.OccurredAt, e.Id, e.Quantity)); continue; }
            if (e.OccurredAt < from) continue;
            var key = (e.FeatureId, Bucket(e.OccurredAt));
            var (total, peak) = sums.TryGetValue(key, out var s) ? s : (0, decimal.MinValue);
            sums[key] = (total + e.Quantity, Math.Max(peak, e.Quantity));
        }

        // Buckets up to the one holding the latest instant an event may carry now.
        var lastAccepted = clock.GetUtcNow().UtcDateTime + options.Value.FutureTolerance;
        var end = lastAccepted < to ? Bucket(lastAccepted) : Bucket(to.AddTicks(-1));
        var result = new Dictionary<long, IReadOnlyList<UsagePoint>>();
        foreach (var f in features.Where(f => f.IsNumeric))
        {
            if (f.AssignedSeats)
            {
                // The seats held now, by when each was assigned: each bucket counts those assigned before it ended.
                var step = granularity == Granularity.Day ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1);
                var times = seats.Where(x => x.FeatureId == f.Id).Select(x => x.AssignedAt).ToList();
                var points = new List<UsagePoint>();
                for (var t = Bucket(from); t <= end; t += step) points.Add(new UsagePoint(t, times.Count(a => a < t + step)));
                result[f.Id] = points;
            }
            else if (f.Aggregation == Aggregation.Latest)
            {
                var points = new List<UsagePoint>();
                decimal? carried = before.TryGetValue(f.Id, out var b) ? b.Value : null;
                var step = granularity == Granularity.Day ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1);
                for (var t = Bucket(from); t <= end; t += step)
                {
                    if (latest.TryGetValue((f.Id, t), out var r)) carried = r.Value;
                    if (carried is { } v) points.Add(new UsagePoint(t, v));
                }
                // Readings past the end (the clock moved back in a test) still show.
                points.AddRange(latest.Where(kv => kv.Key.Item1 == f.Id && kv.Key.Item2 > end).OrderBy(kv => kv.Key.Item2)
                    .Select(kv => new UsagePoint(kv.Key.Item2, kv.Value.Value)));
                result[f.Id] = points;
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

    private static DateTime Day(DateTime t) => new(t.Year, t.Month, t.Day, 0, 0, 0, DateTimeKind.Utc);
}
