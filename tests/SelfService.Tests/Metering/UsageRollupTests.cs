using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using SelfService.Catalog;
using SelfService.Data;
using SelfService.Jobs;
using SelfService.Metering;
using SelfService.Tests.Infrastructure;
using static SelfService.Tests.Metering.MeteringApp;

namespace SelfService.Tests.Metering;

/// <summary>The rollup job on every database: exact totals whatever happens to it. Each test has its own app and database.</summary>
public abstract class UsageRollupTests(TestDatabase database) : IDisposable
{
    private readonly MeteringApp _app = new() { Database = database };
    private static readonly string[] Customers = ["acme", "initech", "globex", "umbrella", "hooli"];
    private static readonly string[] Handles = ["api-calls", "storage-gb", "max-members", "max-simultaneous-streams"];

    public void Dispose() => _app.Dispose();

    private DateTime Now => _app.Now;

    private UsageRollup Rollup => _app.Get<UsageRollup>();

    /// <summary>Past the database's safety lag (none on SQLite, a minute on a server), so that the rollup folds all sent so far.</summary>
    private Task<RollupResult> RollUp()
    {
        _app.Clock.Advance(TimeSpan.FromMinutes(2));
        return Rollup.RunAsync();
    }

    /// <summary>A spread of events: several customers and aggregations, some late (days ago), several in one hour.</summary>
    private async Task<int> SendMixedUsage(string prefix, int count = 600)
    {
        var random = new Random(prefix.GetHashCode(StringComparison.Ordinal));
        var events = Enumerable.Range(0, count).Select(i => (JsonNode)Event($"{prefix}-{i}", Customers[i % Customers.Length], Handles[i % Handles.Length],
            Math.Round((decimal)random.NextDouble() * 50, 2), Now.AddMinutes(-random.Next(6 * 24 * 60)))).ToList();
        foreach (var chunk in events.Chunk(200))
            Assert.Equal(HttpStatusCode.OK, (await _app.Post(Batch(chunk))).Status);
        return count;
    }

    /// <summary>Every way usage is read: period totals and hourly and daily series, for every customer and feature.</summary>
    private async Task<string> Snapshot()
    {
        var usage = _app.Get<UsageService>();
        var features = (await _app.Get<CatalogStore>().FeaturesAsync()).Where(f => f.IsNumeric).ToList();
        var lines = new List<string>();
        foreach (var customer in Customers)
        {
            var id = await _app.CustomerId(customer);
            var totals = await usage.TotalsAsync(id, features, Now.AddDays(-40), Now.AddDays(1));
            var hourly = await usage.SeriesAsync(id, features, Now.AddDays(-8), Now.AddHours(1), Granularity.Hour);
            var daily = await usage.SeriesAsync(id, features, Now.AddDays(-40), Now.AddDays(1), Granularity.Day);
            foreach (var f in features)
            {
                lines.Add($"{customer} {f.Handle} total {R(totals[f.Id])}");
                lines.AddRange(hourly[f.Id].Select(p => $"{customer} {f.Handle} hour {p.Start:O} {R(p.Value)}"));
                lines.AddRange(daily[f.Id].Select(p => $"{customer} {f.Handle} day {p.Start:O} {R(p.Value)}"));
            }
        }
        return string.Join("\n", lines);
    }

    // Quantities are exact decimals: adding the same numbers in any order (by bucket, then by period) gives the same figure.
    private static string R(decimal value) => SelfService.Data.Quantities.Invariant(value);

    private async Task<long> Watermark()
    {
        await using var c = await _app.Get<Db>().OpenAsync();
        return await c.ExecuteScalarAsync<long>("select LastEventId from RollupWatermark where Name = 'usage-hourly'");
    }

    private async Task<long> Scalar(string sql)
    {
        await using var c = await _app.Get<Db>().OpenAsync();
        return await c.ExecuteScalarAsync<long>(sql);
    }

    private Task<long> BucketedEvents() => Scalar("select coalesce(sum(EventCount), 0) from UsageHourly");

    [SkippableFact]
    public async Task Rollup_TotalsAndSeriesBeforeAndAfter_AreIdentical()
    {
        var sent = await SendMixedUsage("same");
        var before = await Snapshot();

        var result = await RollUp();

        Assert.Equal(sent, result.EventsFolded);
        Assert.Equal(before, await Snapshot());
        Assert.Equal(await Scalar("select max(Id) from UsageEvent"), await Watermark());
    }

    [SkippableFact]
    public async Task Rollup_IsIncremental_ASecondRunFoldsOnlyTheNewEvents()
    {
        await SendMixedUsage("first", 300);
        Assert.Equal(300, (await RollUp()).EventsFolded);
        Assert.Equal(0, (await RollUp()).EventsFolded);

        await SendMixedUsage("second", 40);
        var before = await Snapshot();
        Assert.Equal(40, (await RollUp()).EventsFolded);
        Assert.Equal(before, await Snapshot());
    }

    [SkippableFact]
    public async Task Rollup_LateEvent_LandsInItsOwnHour()
    {
        await RollUp();
        var late = Now.AddDays(-6).AddMinutes(-17);
        Assert.Equal(HttpStatusCode.OK, (await _app.Post(Event("late-1", "globex", "storage-gb", 42, late))).Status);

        await RollUp();

        await using var c = await _app.Get<Db>().OpenAsync();
        var bucket = await c.QuerySingleAsync<(DateTime HourStart, double Peak, long EventCount)>("""
            select h.HourStart, h.Peak, h.EventCount from UsageHourly h
              join Feature f on f.Id = h.FeatureId join Customer cu on cu.Id = h.CustomerId
             where cu.ExternalKey = 'globex' and f.Handle = 'storage-gb' and h.HourStart = @hour
            """, new { hour = UsageService.Hour(late) });
        Assert.Equal(UsageService.Hour(late), bucket.HourStart);
        Assert.True(bucket.Peak >= 42);
    }

    [SkippableFact]
    public async Task Latest_AtTheSameInstant_IsTheValueReceivedLast_BeforeAndAfterTheRollup()
    {
        // The demo's last seat reading for Globex is at the top of the current hour.
        var instant = UsageService.Hour(Now);
        Assert.Equal(HttpStatusCode.OK, (await _app.Post(Event("seats-1", "globex", "max-members", 6, instant))).Status);
        Assert.Equal(6, await _app.Usage("globex", "max-members"));
        await RollUp();
        Assert.Equal(6, await _app.Usage("globex", "max-members"));

        Assert.Equal(HttpStatusCode.OK, (await _app.Post(Event("seats-2", "globex", "max-members", 8, instant))).Status);
        Assert.Equal(HttpStatusCode.OK, (await _app.Post(Event("seats-3", "globex", "max-members", 5, instant.AddTicks(-1)))).Status);
        Assert.Equal(8, await _app.Usage("globex", "max-members"));
        await RollUp();
        Assert.Equal(8, await _app.Usage("globex", "max-members"));
    }

    [SkippableFact]
    public async Task Rollup_FailingBetweenBucketsAndWatermark_AndRunAgain_GivesExactTotals()
    {
        await SendMixedUsage("crash");
        var before = await Snapshot();
        var watermark = await Watermark();
        var bucketed = await BucketedEvents();
        Rollup.AfterBucketsWritten = _ => throw new InvalidOperationException("killed half way");

        await Assert.ThrowsAsync<InvalidOperationException>(() => RollUp());

        Assert.Equal(watermark, await Watermark());
        Assert.Equal(bucketed, await BucketedEvents());
        Assert.Equal(before, await Snapshot());

        Rollup.AfterBucketsWritten = null;
        var result = await RollUp();

        Assert.Equal(600, result.EventsFolded);
        Assert.Equal(before, await Snapshot());
        Assert.Equal(bucketed + 600, await BucketedEvents());
    }

    [SkippableFact]
    public async Task TwoRollupsAtOnce_GiveExactTotals()
    {
        await SendMixedUsage("twice");
        var before = await Snapshot();
        var bucketed = await BucketedEvents();
        // Both runs read and aggregate the same events, then both try to write them at the same moment.
        using var bothAggregated = new Barrier(2);
        var waits = 0;
        Rollup.BeforeWriteTransaction = _ =>
        {
            if (Interlocked.Increment(ref waits) <= 2) Assert.True(bothAggregated.SignalAndWait(TimeSpan.FromSeconds(60)));
            return Task.CompletedTask;
        };

        var results = await Task.WhenAll(Task.Run(() => RollUp()), Task.Run(() => RollUp()));

        Assert.True(waits >= 2);
        Assert.Equal(600, results.Sum(r => r.EventsFolded));
        Assert.Contains(results, r => r.EventsFolded == 0);
        Assert.Equal(before, await Snapshot());
        Assert.Equal(bucketed + 600, await BucketedEvents());
    }

    [SkippableFact]
    public async Task Job_IsRegisteredToRunEveryMinute_AndRunsTheRollup()
    {
        var registration = Assert.Single(_app.Services.GetServices<JobRegistration>(), j => j.Type == typeof(UsageRollupJob));
        Assert.Equal("* * * * *", registration.DefaultCron);
        await SendMixedUsage("job", 50);
        var before = await Snapshot();

        _app.Clock.Advance(TimeSpan.FromMinutes(2)); // past any safety lag
        await _app.Services.GetRequiredService<UsageRollupJob>().Execute(CancellationToken.None);

        Assert.Equal(0, (await Rollup.RunAsync()).EventsFolded);
        Assert.Equal(before, await Snapshot());
    }
}

public sealed class SqliteUsageRollupTests() : UsageRollupTests(TestDatabase.Sqlite);

public sealed class PostgreSqlUsageRollupTests() : UsageRollupTests(TestDatabase.PostgreSql);

public sealed class SqlServerUsageRollupTests() : UsageRollupTests(TestDatabase.SqlServer);
