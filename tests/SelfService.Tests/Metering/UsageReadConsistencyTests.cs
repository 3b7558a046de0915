using SelfService.Analytics;
using SelfService.Metering;
using SelfService.Tests.Infrastructure;
using static SelfService.Tests.Metering.MeteringApp;

namespace SelfService.Tests.Metering;

/// <summary>
/// Reads while rollups commit: every read that combines rollups with raw events sees one watermark, so none comes out
/// short (an event folded between two parts of a read would be in neither) or long (in both).
/// </summary>
public abstract class UsageReadConsistencyTests : IDisposable
{
    private MeteringApp? _app;

    protected abstract MeteringApp CreateApp();

    private MeteringApp App => _app ??= CreateApp();

    public void Dispose() => _app?.Dispose();

    [SkippableFact]
    public async Task ReadsDuringRollupCommits_AreNeverShortNorLong()
    {
        const int Batches = 100, PerBatch = 10;
        var usage = App.Get<UsageService>();
        var analytics = App.Get<UsageAnalytics>();
        var rollup = App.Get<UsageRollup>();
        var page = App.Get<SelfService.Portal.AccountUsage>();
        await rollup.RunAsync(); // the demo's events, so that the loop's rollups fold only the loop's batches
        var customer = await App.CustomerId("globex");
        var calls = await App.Feature("api-calls");
        var globexAnchor = (await analytics.MatrixAsync()).Rows.First(r => r.CustomerId == customer).Period;
        var period = globexAnchor;
        var baseline = (await usage.TotalsAsync(customer, [calls], period.Start, period.End))[calls.Id];

        long accepted = 0; // events whose batch has been answered
        var writing = true;
        var writer = Task.Run(async () =>
        {
            try
            {
                for (var b = 0; b < Batches; b++)
                {
                    var events = Enumerable.Range(0, PerBatch).Select(i => Event($"rc-{b}-{i}", "globex", "api-calls", 1, App.Now.AddMinutes(-i))).ToArray();
                    var reply = await App.Post(events);
                    // On a database server a batch slower than half the rollup's safety lag is refused, stores nothing and is sent again.
                    while (reply.Status == System.Net.HttpStatusCode.ServiceUnavailable) reply = await App.Post(events);
                    Assert.Equal(PerBatch, reply.Accepted);
                    Interlocked.Add(ref accepted, PerBatch);
                }
            }
            finally { writing = false; }
        });
        var commits = 0;
        var roller = Task.Run(async () =>
        {
            while (Volatile.Read(ref writing))
            {
                // Time passes, so that on a database server events get past the rollup's safety lag while the test writes.
                App.Clock.Advance(TimeSpan.FromSeconds(1));
                if ((await rollup.RunAsync()).EventsFolded > 0) Interlocked.Increment(ref commits);
            }
        });

        var reads = 0;
        var wrong = new List<string>();
        async Task Check(string surface, Func<Task<decimal>> read)
        {
            var low = baseline + Interlocked.Read(ref accepted);
            var value = await read();
            var high = baseline + Interlocked.Read(ref accepted) + PerBatch; // a batch in flight may be visible already
            Interlocked.Increment(ref reads);
            if (value < low || value > high) lock (wrong) wrong.Add($"{surface}: {value} outside [{low}, {high}]");
        }
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 400 && Volatile.Read(ref writing); i++)
            {
                await Check("totals", async () => (await usage.TotalsAsync(customer, [calls], period.Start, period.End))[calls.Id]);
                await Check("hourly series", async () => (await usage.SeriesAsync(customer, [calls], period.Start, period.End, Granularity.Hour))[calls.Id].Sum(p => p.Value));
                await Check("daily series", async () => (await usage.SeriesAsync(customer, [calls], period.Start, period.End, Granularity.Day))[calls.Id].Sum(p => p.Value));
                await Check("analytics", async () => (await analytics.MatrixAsync()).Rows.Single(r => r.CustomerId == customer && r.FeatureId == calls.Id).Usage);
                await Check("usage page headline", async () => (await page.LoadAsync("globex", SelfService.Portal.PeriodChoice.Current, Granularity.Day))!
                    .Features.Single(f => f.Feature.Id == calls.Id).Usage);
                await Check("usage page chart and CSV", async () =>
                {
                    var view = (await page.LoadAsync("globex", SelfService.Portal.PeriodChoice.Current, Granularity.Hour))!;
                    var csv = SelfService.Portal.UsageCsv.Write(calls, view.Series[calls.Id], 10_000, false);
                    // The CSV's last period-to-date cell: what the chart's running total ends at.
                    return decimal.Parse(csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries)[^1].Split(',')[3], System.Globalization.CultureInfo.InvariantCulture);
                });
            }
        })).ToArray();

        await Task.WhenAll([writer, roller, .. readers]);
        await rollup.RunAsync();

        Assert.Empty(wrong);
        Assert.True(reads >= 40, $"only {reads} reads ran during the writes");
        Assert.True(commits >= 3, $"only {commits} rollups committed during the reads");
        Assert.Equal(baseline + Batches * PerBatch, (await usage.TotalsAsync(customer, [calls], period.Start, period.End))[calls.Id]);
    }
}

public sealed class SqliteUsageReadConsistencyTests : UsageReadConsistencyTests
{
    protected override MeteringApp CreateApp() => new();
}

public sealed class PostgreSqlUsageReadConsistencyTests : UsageReadConsistencyTests
{
    protected override MeteringApp CreateApp() => new() { Database = TestDatabase.PostgreSql };
}

public sealed class SqlServerUsageReadConsistencyTests : UsageReadConsistencyTests
{
    protected override MeteringApp CreateApp() => new() { Database = TestDatabase.SqlServer };
}
