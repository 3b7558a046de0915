using System.Net;
using System.Text.Json.Nodes;
using SelfService.Metering;
using SelfService.Tests.Infrastructure;
using static SelfService.Tests.Metering.MeteringApp;

namespace SelfService.Tests.Metering;

/// <summary>
/// On a database server ids are handed out before their transactions commit, in any order: a batch that took ids
/// 100–299 can commit after one that took 300. Twenty writers post batches of mixed sizes over HTTP while the rollup runs
/// again and again; with the rollup's safety lag every accepted event counts exactly once; without it a rollup folds
/// 300, moves its watermark past the batch still in flight, and that batch's events are never counted.
/// </summary>
public abstract class RollupSafetyLagTests(TestDatabase database)
{
    private const int Writers = 20;

    private sealed record Outcome(double Expected, double Counted, int Rollups, int Refused);

    private static async Task<Outcome> WriteWhileRollingUp(MeteringApp app, string prefix)
    {
        var before = await app.Usage("globex", "api-calls");
        var rollup = app.Get<UsageRollup>();
        var accepted = 0L;
        var refused = 0;
        using var done = new CancellationTokenSource();

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var b = 0; b < 6; b++)
            {
                // Big batches stay in flight for a while; small ones take later ids and commit at once.
                var size = (w + b) % 3 == 0 ? 300 : 1;
                var events = Enumerable.Range(0, size)
                    .Select(i => (JsonNode)Event($"{prefix}-{w}-{b}-{i}", "globex", "api-calls", 1, app.Now.AddMinutes(-1))).ToArray();
                while (true)
                {
                    var reply = await app.Post(events);
                    if (reply.Status == HttpStatusCode.OK)
                    {
                        Interlocked.Add(ref accepted, reply.Accepted);
                        break;
                    }
                    // Too slow for the safety lag: nothing was stored, send it again (as a client does on 503).
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, reply.Status);
                    Interlocked.Increment(ref refused);
                }
            }
        })).ToArray();

        var rollups = 0;
        var roller = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                app.Clock.Advance(TimeSpan.FromSeconds(1));
                await rollup.RunAsync();
                rollups++;
                await Task.Delay(20);
            }
        });

        await Task.WhenAll(writers);
        await done.CancelAsync();
        await roller;
        app.Clock.Advance(TimeSpan.FromMinutes(2));
        await rollup.RunAsync();
        return new Outcome(before + Interlocked.Read(ref accepted), await app.Usage("globex", "api-calls"), rollups, refused);
    }

    [SkippableFact]
    public async Task ConcurrentWriters_WhileTheRollupRuns_EveryAcceptedEventCountsExactlyOnce()
    {
        using var app = new MeteringApp { Database = database };

        var outcome = await WriteWhileRollingUp(app, "lag");

        Assert.True(outcome.Rollups >= 10, $"only {outcome.Rollups} rollups ran during the writes");
        Assert.Equal(outcome.Expected, outcome.Counted);
    }

    /// <summary>The control: the same writers without the lag lose events, so the test above is one that can fail.</summary>
    [SkippableFact]
    public async Task WithoutTheSafetyLag_ConcurrentWriters_LoseEventsToTheRollup()
    {
        for (var round = 1; ; round++)
        {
            using var app = new MeteringApp { Database = database };
            app.Settings["SelfService:Metering:RollupSafetyLag"] = "00:00:00";

            var outcome = await WriteWhileRollingUp(app, $"nolag{round}");

            if (outcome.Counted < outcome.Expected) return;
            Assert.Equal(outcome.Expected, outcome.Counted); // never more than sent
            Assert.True(round < 3, $"three rounds of {Writers} writers and {outcome.Rollups} rollups without the lag lost nothing");
        }
    }
}

public sealed class PostgreSqlRollupSafetyLagTests() : RollupSafetyLagTests(TestDatabase.PostgreSql);

public sealed class SqlServerRollupSafetyLagTests() : RollupSafetyLagTests(TestDatabase.SqlServer);
