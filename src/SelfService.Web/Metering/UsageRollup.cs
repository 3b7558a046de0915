using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Options;
using SelfService.Data;

namespace SelfService.Metering;

public sealed record RollupResult(long EventsFolded, int BucketsWritten, long EventsPruned, long Watermark);

/// <summary>
/// Folds accepted raw events into hourly buckets per (customer, feature), incrementally from the watermark
/// (the highest event id folded so far): each run reads only events past it, so its cost grows with the new
/// events, not with the history. The buckets, the new watermark and the threshold crossings they cause are
/// written in one transaction, so a run killed half way leaves nothing, and a run that found the watermark
/// moved by another run (another server) discards its work and starts again from the new watermark.
/// Late events land in the hour they occurred in. Raw events are pruned once rolled up and past the retention.
/// </summary>
/// <remarks>
/// Ids and commit order: on SQLite a writer holds the database's write lock from its first statement to its
/// commit, so ids become visible in increasing order and "everything up to the highest id" is final. On SQL
/// Server and PostgreSQL two batches can take ids 100 and 101 and commit 101 first (identities and sequences are
/// not transactional); a rollup reading then would advance past 100 and never count it (reads count raw events
/// above the watermark only). So on a database server the rollup folds
/// only events received at least <see cref="MeteringOptions.RollupSafetyLag"/> (one minute) ago, stopping at
/// the first younger id, and ingestion refuses to commit a batch more than half that lag after receiving it
/// (the client retries). An id below the watermark therefore always belongs to a committed, folded event;
/// half the lag is left for clock skew between servers. A lag costs nothing in correctness of reads: events
/// not yet folded are read raw. (Tracking in-flight transactions would need server permissions we avoid.)
/// </remarks>
public sealed class UsageRollup(Db db, TimeProvider clock, IOptions<MeteringOptions> options, ThresholdMonitor thresholds, ILogger<UsageRollup> logger)
{
    /// <summary>Test seam: runs after a chunk is read and aggregated, before its write transaction begins.</summary>
    internal Func<CancellationToken, Task>? BeforeWriteTransaction { get; set; }

    /// <summary>Test seam: runs between writing the buckets and advancing the watermark, in the same transaction.</summary>
    internal Func<CancellationToken, Task>? AfterBucketsWritten { get; set; }

    private const int PruneChunk = 50_000;

    internal const string WatermarkSql = "select LastEventId from RollupWatermark where Name = @name";

    internal string LockedWatermarkSql => db.Dialect.LockingRows(WatermarkSql, "RollupWatermark");

    internal const string LastEventSql = "select max(Id) from UsageEvent where Id > @after";

    internal const string FirstTooRecentSql = "select min(Id) from UsageEvent where Id > @after and ReceivedAt >= @cutoff";

    internal const string EventsSql = """
        select Id, CustomerId, FeatureId, Quantity, OccurredAt
          from UsageEvent
         where Id > @after and Id <= @upTo
        """;

    internal const string AdvanceSql = "update RollupWatermark set LastEventId = @upTo, UpdatedAt = @now where Name = @name";

    internal const string MarkSql = """
        insert into UsageRetentionMark (LastEventId, MarkedAt)
        select @upTo, @now
         where not exists (select 1 from UsageRetentionMark where MarkedAt > @since or LastEventId >= @upTo)
        """;

    internal const string PruneBoundSql = "select max(LastEventId) from UsageRetentionMark where MarkedAt <= @cutoff";

    internal const string FirstEventSql = "select min(Id) from UsageEvent";

    internal const string PruneSql = "delete from UsageEvent where Id >= @from and Id <= @to";

    internal const string DropMarksSql = "delete from UsageRetentionMark where LastEventId < @bound";

    private string UpsertSql => db.Dialect.Upsert("UsageHourly",
        ["CustomerId", "FeatureId", "HourStart", "Total", "Peak", "LatestAt", "LatestValue", "EventCount"],
        ["CustomerId", "FeatureId", "HourStart"],
        s => $"""
            Total = {db.Dialect.ExactAdd("t.Total", s("Total"))},
            Peak = case when {s("Peak")} > t.Peak then {s("Peak")} else t.Peak end,
            LatestAt = case when {s("LatestAt")} >= t.LatestAt then {s("LatestAt")} else t.LatestAt end,
            LatestValue = case when {s("LatestAt")} >= t.LatestAt then {s("LatestValue")} else t.LatestValue end,
            EventCount = t.EventCount + {s("EventCount")}
            """);

    private sealed class Bucket
    {
        public long CustomerId { get; init; }
        public long FeatureId { get; init; }
        public DateTime HourStart { get; init; }
        public decimal Total { get; set; }
        public decimal Peak { get; set; }
        public DateTime LatestAt { get; set; }
        public decimal LatestValue { get; set; }
        public long EventCount { get; set; }
        public long LatestId;
    }

    public async Task<RollupResult> RunAsync(CancellationToken ct = default)
    {
        long folded = 0;
        var buckets = 0;
        long watermark;
        while (true)
        {
            var (events, written, mark, more) = await FoldChunkAsync(ct);
            folded += events;
            buckets += written;
            watermark = mark;
            if (!more) break;
        }
        var pruned = await PruneAsync(ct);
        if (folded > 0 || pruned > 0)
            logger.LogInformation("Usage rollup folded {Events} events into {Buckets} buckets and pruned {Pruned} events; watermark {Watermark}",
                folded, buckets, pruned, watermark);
        return new RollupResult(folded, buckets, pruned, watermark);
    }

    /// <summary>Folds the next chunk past the watermark; <c>More</c> says whether to call again.</summary>
    private async Task<(long Events, int Buckets, long Watermark, bool More)> FoldChunkAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        var lag = o.SafetyLagFor(db.Dialect);
        long from, upTo;
        var buckets = new Dictionary<(long, long, DateTime), Bucket>();
        var touched = new Dictionary<(long CustomerId, long FeatureId), (DateTime First, DateTime Last)>();
        long count = 0;

        await using (var connection = await db.OpenAsync(ct))
        {
            from = await connection.ExecuteScalarAsync<long>(new CommandDefinition(WatermarkSql, new { name = UsageService.RollupName }, cancellationToken: ct));
            var last = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(LastEventSql, new { after = from }, cancellationToken: ct));
            if (last is { } l && lag > TimeSpan.Zero &&
                await connection.ExecuteScalarAsync<long?>(new CommandDefinition(FirstTooRecentSql, new { after = from, cutoff = now - lag }, cancellationToken: ct)) is { } young)
                last = young - 1;
            if (last is not { } end || end <= from) return (0, 0, from, false);
            upTo = Math.Min(end, from + o.RollupChunk);

            await using var command = connection.CreateCommand();
            command.CommandText = EventsSql;
            AddParameter(command, "@after", from);
            AddParameter(command, "@upTo", upTo);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var id = reader.GetInt64(0);
                var customerId = reader.GetInt64(1);
                var featureId = reader.GetInt64(2);
                var quantity = Quantities.FromDb(reader.GetValue(3));
                var at = DateTime.SpecifyKind(reader.GetDateTime(4), DateTimeKind.Utc);
                var key = (customerId, featureId, UsageService.Hour(at));
                if (!buckets.TryGetValue(key, out var b))
                {
                    buckets[key] = new Bucket
                    {
                        CustomerId = customerId, FeatureId = featureId, HourStart = key.Item3,
                        Total = quantity, Peak = quantity, LatestAt = at, LatestValue = quantity, EventCount = 1, LatestId = id,
                    };
                }
                else
                {
                    b.Total += quantity;
                    if (quantity > b.Peak) b.Peak = quantity;
                    // Latest by event time; of two at the same instant, the one received last.
                    if (at > b.LatestAt || (at == b.LatestAt && id > b.LatestId)) { b.LatestAt = at; b.LatestValue = quantity; b.LatestId = id; }
                    b.EventCount++;
                }
                var pair = (customerId, featureId);
                touched[pair] = touched.TryGetValue(pair, out var span)
                    ? (at < span.First ? at : span.First, at > span.Last ? at : span.Last)
                    : (at, at);
                count++;
            }
        }

        if (BeforeWriteTransaction is { } before) await before(ct);

        var upsert = UpsertSql;
        var lockedWatermark = LockedWatermarkSql;
        var applied = await db.WriteAsync(async (c, tx) =>
        {
            var current = await c.ExecuteScalarAsync<long>(new CommandDefinition(lockedWatermark, new { name = UsageService.RollupName }, tx, cancellationToken: ct));
            if (current != from) return false; // another run folded these events meanwhile
            await c.ExecuteAsync(new CommandDefinition(upsert, buckets.Values, tx, cancellationToken: ct));
            if (AfterBucketsWritten is { } fail) await fail(ct);
            await c.ExecuteAsync(new CommandDefinition(AdvanceSql, new { name = UsageService.RollupName, upTo, now }, tx, cancellationToken: ct));
            await c.ExecuteAsync(new CommandDefinition(MarkSql, new { upTo, now, since = now.AddHours(-1) }, tx, cancellationToken: ct));
            await thresholds.CheckAsync(c, tx, touched, now, ct);
            return true;
        }, ct);
        // Either way there may be more: the rest of a long backlog, or what the other run left.
        return applied ? (count, buckets.Count, upTo, true) : (0, 0, from, true);
    }

    /// <summary>Deletes raw events received longer than the retention ago, all of them folded already, in short transactions.</summary>
    private async Task<long> PruneAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - options.Value.Retention;
        long? bound, first;
        await using (var connection = await db.OpenAsync(ct))
        {
            bound = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(PruneBoundSql, new { cutoff }, cancellationToken: ct));
            if (bound is null) return 0;
            first = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(FirstEventSql, cancellationToken: ct));
        }
        long pruned = 0;
        for (var lo = first ?? bound.Value + 1; lo <= bound; lo += PruneChunk)
        {
            var hi = Math.Min(lo + PruneChunk - 1, bound.Value);
            pruned += await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(PruneSql, new { from = lo, to = hi }, tx, cancellationToken: ct)), ct);
        }
        await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(DropMarksSql, new { bound }, tx, cancellationToken: ct)), ct);
        return pruned;
    }

    private static void AddParameter(DbCommand command, string name, long value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }
}
