using Dapper;
using SelfService.Data;
using SelfService.Entitlements;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Data;

/// <summary>The data layer on a real database: written once, run on SQLite always and on SQL Server when reachable.</summary>
public abstract class DataLayerTests : IAsyncLifetime
{
    private AppFactory? _app;

    protected abstract AppFactory CreateApp();

    protected AppFactory App => _app ??= CreateApp();

    protected Db Db => App.Get<Db>();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _app?.Dispose();
        return Task.CompletedTask;
    }

    [SkippableFact]
    public async Task Migrations_SeedDemo_AcmeHasPlanAddOnAndGrantCombined()
    {
        var acme = await App.Get<EntitlementService>().ForCustomerAsync("acme");

        Assert.NotNull(acme);
        Assert.Equal("business", acme.Plan.Code);
        var members = acme.For("max-members")!;
        Assert.Equal(40, members.Limit); // Business 25 + Extra Seats 1 × 10 + negotiated grant 5
        Assert.Equal([SourceKind.Plan, SourceKind.AddOn, SourceKind.Grant], members.Sources.Select(s => s.Kind));
        Assert.False(acme.For("sso")?.HasAccess ?? false);
    }

    [SkippableFact]
    public async Task TemporaryGrant_CountsUntilItsEnd_AndNotOneTickAfter()
    {
        var service = App.Get<EntitlementService>();
        var umbrella = await service.ForCustomerAsync("umbrella");
        var until = umbrella!.Grants.Single().ValidUntil!.Value;

        Assert.True((await service.ForCustomerAsync("umbrella", until.AddTicks(-1)))!.For("4k-streaming")!.HasAccess);
        Assert.False((await service.ForCustomerAsync("umbrella", until))!.For("4k-streaming")?.HasAccess ?? false);
    }

    [SkippableFact]
    public async Task AnAccountReadAgain_ReflectsEveryChangeToItsRows_WhoeverWroteThem()
    {
        var service = App.Get<EntitlementService>();
        async Task<long?> Seats() => (await service.ForCustomerAsync("acme"))!.For("max-members")!.Limit;
        Assert.Equal(40, await Seats()); // read once: the account is now held in memory

        // Plain SQL on a connection of its own, as another process or a DBA would: no code path of the app involved.
        async Task Sql(string sql)
        {
            await using var c = await Db.OpenAsync();
            Assert.True(await c.ExecuteAsync(sql) > 0, sql);
        }
        const string Business = "(select Id from PricePlan where Code = 'business' and Version = 1)";
        const string Members = "(select Id from Feature where Handle = 'max-members')";
        const string AcmeSubscription = "(select s.Id from Subscription s join Customer c on c.Id = s.CustomerId where c.ExternalKey = 'acme')";

        await Sql($"update PlanEntitlement set Amount = 30 where PlanId = {Business} and FeatureId = {Members}");
        Assert.Equal(45, await Seats());
        await Sql($"update SubscriptionAddOn set Quantity = 2 where SubscriptionId = {AcmeSubscription}");
        Assert.Equal(55, await Seats());
        await Sql($"update AddOnEntitlement set Amount = 20 where FeatureId = {Members}");
        Assert.Equal(75, await Seats());
        await Sql($"delete from EntitlementGrant where SubscriptionId = {AcmeSubscription} and FeatureId = {Members}");
        Assert.Equal(70, await Seats());
        await Sql("update Customer set Name = 'Acme Corporation' where ExternalKey = 'acme'");
        Assert.Equal("Acme Corporation", (await service.ForCustomerAsync("acme"))!.Customer.Name);
        await Sql("update Feature set Name = 'Seats' where Handle = 'max-members'");
        Assert.Equal("Seats", (await service.ForCustomerAsync("acme"))!.For("max-members")!.Feature.Name);
        await Sql($"update Subscription set Status = 'Suspended' where Id = {AcmeSubscription}");
        Assert.False((await service.ForCustomerAsync("acme"))!.IsActive);
    }

    [SkippableFact]
    public async Task UnknownCustomer_HasNoAccount()
    {
        Assert.Null(await App.Get<EntitlementService>().ForCustomerAsync("no-such-customer"));
    }

    /// <summary>PostgreSQL keeps microseconds, so every database is given microseconds: the same instant back everywhere.</summary>
    [SkippableFact]
    public async Task DateTimes_RoundTripAsUtc_ToTheMicrosecond_OnEveryDatabase()
    {
        var sent = new DateTime(2026, 1, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_999);
        var at = new DateTime(2026, 1, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_990);
        var id = await Db.WriteAsync((c, tx) => c.ExecuteScalarAsync<long>(
            Db.Dialect.InsertReturningId("AuditEntry", "At", "Actor", "Kind", "Subject"),
            new { At = sent, Actor = "test", Kind = "test", Subject = "round trip" }, tx));

        await using var connection = await Db.OpenAsync();
        var read = await connection.QuerySingleAsync<DateTime>("select At from AuditEntry where Id = @id", new { id });

        Assert.Equal(DateTimeKind.Utc, read.Kind);
        Assert.Equal(at, read);
    }

    [SkippableFact]
    public async Task InsertIgnoringDuplicates_KeepsTheFirstRow()
    {
        var sql = Db.Dialect.InsertIgnoringDuplicates("RollupWatermark", ["Name", "LastEventId", "UpdatedAt"], ["Name"]);
        var inserted = await Db.WriteAsync(async (c, tx) =>
            await c.ExecuteAsync(sql, new { Name = "dup-test", LastEventId = 1L, UpdatedAt = App.Now }, tx)
            + await c.ExecuteAsync(sql, new { Name = "dup-test", LastEventId = 2L, UpdatedAt = App.Now }, tx));

        await using var connection = await Db.OpenAsync();
        Assert.Equal(1, inserted);
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("select LastEventId from RollupWatermark where Name = 'dup-test'"));
    }

    [SkippableFact]
    public async Task Upsert_InsertsThenUpdatesFromTheIncomingRow()
    {
        var sql = Db.Dialect.Upsert("RollupWatermark", ["Name", "LastEventId", "UpdatedAt"], ["Name"],
            incoming => $"LastEventId = t.LastEventId + {incoming("LastEventId")}, UpdatedAt = {incoming("UpdatedAt")}");
        foreach (var step in new long[] { 5, 7 })
            await Db.WriteAsync((c, tx) => c.ExecuteAsync(sql, new { Name = "upsert-test", LastEventId = step, UpdatedAt = App.Now }, tx));

        await using var connection = await Db.OpenAsync();
        Assert.Equal(12L, await connection.ExecuteScalarAsync<long>("select LastEventId from RollupWatermark where Name = 'upsert-test'"));
    }

    [SkippableFact]
    public async Task Page_SkipsAndTakes()
    {
        await using var connection = await Db.OpenAsync();
        var all = (await connection.QueryAsync<string>("select ExternalKey from Customer order by ExternalKey")).ToList();
        var page = (await connection.QueryAsync<string>($"select ExternalKey from Customer {Db.Dialect.Page("ExternalKey")}", new { Offset = 1, Limit = 2 })).ToList();

        Assert.Equal(all.Skip(1).Take(2), page);
    }

    [SkippableFact]
    public async Task ConcurrentReadThenWriteTransactions_AllCommit_WithExactTotal()
    {
        await Db.WriteAsync((c, tx) => c.ExecuteAsync(
            Db.Dialect.InsertIgnoringDuplicates("RollupWatermark", ["Name", "LastEventId", "UpdatedAt"], ["Name"]),
            new { Name = "counter", LastEventId = 0L, UpdatedAt = App.Now }, tx));

        // Each writer reads the counter, then writes it back plus one: lost updates or busy errors would show.
        var writers = Enumerable.Range(0, 40).Select(_ => Task.Run(() => Db.WriteAsync(async (c, tx) =>
        {
            var value = await c.ExecuteScalarAsync<long>(
                Db.Dialect.LockingRows("select LastEventId from RollupWatermark where Name = 'counter'", "RollupWatermark"), transaction: tx);
            await c.ExecuteAsync("update RollupWatermark set LastEventId = @value where Name = 'counter'", new { value = value + 1 }, tx);
        })));
        await Task.WhenAll(writers);

        await using var connection = await Db.OpenAsync();
        Assert.Equal(40L, await connection.ExecuteScalarAsync<long>("select LastEventId from RollupWatermark where Name = 'counter'"));
    }
}

public sealed class SqliteDataLayerTests : DataLayerTests
{
    protected override AppFactory CreateApp() => new();

    [Fact]
    public async Task Sqlite_RunsInWalMode_WithBusyTimeoutAndForeignKeys_OnEveryConnection_PooledOrNew()
    {
        // Pooled connections are configured once, when first opened; each later open must still find them configured.
        for (var i = 0; i < 3; i++)
        {
            await using var connection = await Db.OpenAsync();
            await using var second = await Db.OpenAsync();
            foreach (var c in new[] { connection, second })
            {
                Assert.Equal("wal", await c.ExecuteScalarAsync<string>("pragma journal_mode"));
                Assert.Equal(30000L, await c.ExecuteScalarAsync<long>("pragma busy_timeout"));
                Assert.Equal(1L, await c.ExecuteScalarAsync<long>("pragma foreign_keys"));
            }
        }
    }
}

public sealed class PostgreSqlDataLayerTests : DataLayerTests
{
    protected override AppFactory CreateApp() => new() { Database = TestDatabase.PostgreSql };
}

public sealed class SqlServerDataLayerTests : DataLayerTests
{
    protected override AppFactory CreateApp() => new() { Database = TestDatabase.SqlServer };
}
