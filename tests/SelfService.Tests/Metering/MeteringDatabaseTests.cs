using System.Net;
using System.Text.Json.Nodes;
using SelfService.Metering;
using SelfService.Tests.Infrastructure;
using static SelfService.Tests.Metering.MeteringApp;

namespace SelfService.Tests.Metering;

/// <summary>The core of metering written once, run on SQLite and, when reachable, on SQL Server.</summary>
public abstract class MeteringDatabaseTests : IDisposable
{
    private MeteringApp? _app;

    protected abstract MeteringApp CreateApp();

    private MeteringApp App => _app ??= CreateApp();

    public void Dispose() => _app?.Dispose();

    /// <summary>Past any safety lag, so that the rollup folds everything sent so far.</summary>
    private async Task<RollupResult> RollUp()
    {
        App.Clock.Advance(TimeSpan.FromMinutes(2));
        return await App.Get<UsageRollup>().RunAsync();
    }

    private JsonNode[] Batch(string prefix, int count) => Enumerable.Range(0, count)
        .Select(i => (JsonNode)Event($"{prefix}-{i}", i % 2 == 0 ? "acme" : "globex", i % 3 == 0 ? "storage-gb" : "api-calls", i % 17, App.Now.AddMinutes(-i)))
        .ToArray();

    [SkippableFact]
    public async Task DuplicatesCountOnce_ConflictsStoreNothing_AndTheRollupKeepsTotalsExact()
    {
        var before = await App.Usage("acme", "api-calls");
        var batch = Batch("db", 60);
        Assert.Equal(60, (await App.Post(batch)).Accepted);
        Assert.Equal(60, (await App.Post(batch)).Duplicates);
        var conflicting = (JsonNode)Event("db-0", "acme", "storage-gb", 99, App.Now);
        Assert.Equal(HttpStatusCode.Conflict, (await App.Post(Event("db-new", "acme", "api-calls", 1, App.Now), conflicting)).Status);
        var sent = batch.Where(e => (string)e["customer"]! == "acme" && (string)e["feature"]! == "api-calls").Sum(e => (decimal)e["quantity"]!);
        Assert.Equal(before + sent, await App.Usage("acme", "api-calls"));

        Assert.Equal(60, (await RollUp()).EventsFolded);
        Assert.Equal(before + sent, await App.Usage("acme", "api-calls"));
    }

    [SkippableFact]
    public async Task EventIds_DifferingOnlyInCaseOrTrailingSpace_AreDifferentEvents_OnEveryDatabase()
    {
        var before = await App.Usage("acme", "api-calls");
        JsonNode[] batch = [Event("Case-1", "acme", "api-calls", 1, App.Now), Event("case-1", "acme", "api-calls", 2, App.Now), Event("case-1 ", "acme", "api-calls", 4, App.Now)];

        Assert.Equal(3, (await App.Post(batch)).Accepted);
        var again = await App.Post(batch);
        Assert.Equal((0, 3), (again.Accepted, again.Duplicates));
        // Another quantity under an id that differs from a stored one only in case is a new event, not a conflict.
        Assert.Equal(1, (await App.Post(Event("CASE-1", "acme", "api-calls", 8, App.Now))).Accepted);
        Assert.Equal(before + 15, await App.Usage("acme", "api-calls"));
        await RollUp();
        Assert.Equal(before + 15, await App.Usage("acme", "api-calls"));
    }

    [SkippableFact]
    public async Task ConcurrentBatches_AndTwoRollupsAtOnce_GiveExactTotals()
    {
        var before = await App.Usage("globex", "api-calls");
        var batches = Enumerable.Range(0, 8).Select(b => Batch($"c{b}", 100)).ToList();
        var replies = await Task.WhenAll(batches.Concat(batches.Take(3)).Select(b => Task.Run(() => App.Post(b))));
        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(800, replies.Sum(r => r.Accepted));
        var sent = batches.SelectMany(b => b).Where(e => (string)e["customer"]! == "globex" && (string)e["feature"]! == "api-calls").Sum(e => (decimal)e["quantity"]!);

        App.Clock.Advance(TimeSpan.FromMinutes(2));
        var rollup = App.Get<UsageRollup>();
        var runs = await Task.WhenAll(Task.Run(() => rollup.RunAsync()), Task.Run(() => rollup.RunAsync()));

        Assert.Equal(800, runs.Sum(r => r.EventsFolded));
        Assert.Equal(before + sent, await App.Usage("globex", "api-calls"));
    }

    [SkippableFact]
    public async Task ARollupFailingBeforeItsWatermark_AndRunAgain_GivesExactTotals()
    {
        Assert.Equal(50, (await App.Post(Batch("f", 50))).Accepted);
        var before = await App.Usage("acme", "api-calls");
        App.Get<UsageRollup>().AfterBucketsWritten = _ => throw new InvalidOperationException("killed");
        await Assert.ThrowsAsync<InvalidOperationException>(RollUp);
        Assert.Equal(before, await App.Usage("acme", "api-calls"));

        App.Get<UsageRollup>().AfterBucketsWritten = null;
        Assert.Equal(50, (await RollUp()).EventsFolded);
        Assert.Equal(before, await App.Usage("acme", "api-calls"));
    }
}

public sealed class SqliteMeteringDatabaseTests : MeteringDatabaseTests
{
    protected override MeteringApp CreateApp() => new();
}

public sealed class PostgreSqlMeteringDatabaseTests : MeteringDatabaseTests
{
    protected override MeteringApp CreateApp() => new() { Database = TestDatabase.PostgreSql };
}

public sealed class SqlServerMeteringDatabaseTests : MeteringDatabaseTests
{
    protected override MeteringApp CreateApp() => new() { Database = TestDatabase.SqlServer };
}
