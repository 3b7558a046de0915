// Metering benchmarks, run on demand (not part of the tests):
//   dotnet run -c Release --project tests/SelfService.Benchmarks [-- --batches 200 --concurrency 4 --history 10000000 --new 1000000]
//   (add --ingestion-only or --rollup-only to run one half)
// 1. Ingestion over HTTP (real Kestrel on loopback, batches of 1,000) beside a raw Dapper insert of the same rows into
//    the same table, in the same run, on the embedded SQLite database.
// 2. The rollup of 1 million new events with an empty history, and with 10 million rolled-up events of history.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SelfService.Data;
using SelfService.Metering;

namespace SelfService.Benchmarks;

internal static class Benchmarks
{
    public static async Task<int> Main(string[] args)
    {
        var options = Args.Parse(args);
        // The app's content root, found from here (what a test project gets from its build).
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "SelfService.sln"))) root = root.Parent;
        if (root is null) throw new InvalidOperationException("Run from inside the repository.");
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_SELFSERVICE_WEB", Path.Combine(root.FullName, "src", "SelfService.Web"));
        Console.WriteLine($"SelfService metering benchmark: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
        if (!args.Contains("--rollup-only")) await IngestionBenchmark.Run(options);
        if (!args.Contains("--ingestion-only")) await RollupBenchmark.Run(options);
        return 0;
    }
}

sealed record Args(int Batches, int Concurrency, long History, long NewEvents)
{
    public static Args Parse(string[] args)
    {
        string? Get(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return new Args(
            int.Parse(Get("--batches") ?? "200", CultureInfo.InvariantCulture),
            int.Parse(Get("--concurrency") ?? "4", CultureInfo.InvariantCulture),
            long.Parse(Get("--history") ?? "10000000", CultureInfo.InvariantCulture),
            long.Parse(Get("--new") ?? "1000000", CultureInfo.InvariantCulture));
    }
}

/// <summary>The whole app on a fresh SQLite file, served by Kestrel on a loopback port.</summary>
sealed class BenchApp : WebApplicationFactory<Program>
{
    public const string ApiKey = "ss_benchkey_abcdefghijklmnopqrstuvwxyz0123";
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "selfservice-bench", Guid.NewGuid().ToString("N"));
    public string BaseUrl { get; private set; } = "";

    public BenchApp(bool kestrel)
    {
        Directory.CreateDirectory(Folder);
        if (kestrel) this.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        StartServer();
        if (kestrel) BaseUrl = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting(DatabaseSettings.DataFolderSetting, Folder);
        builder.UseSetting("SelfService:Jobs:Server", "false");
        builder.UseSetting("SelfService:Demo:ApiKey", ApiKey);
        builder.UseSetting("SelfService:PublicUrl", "https://127.0.0.1/"); // https outside Development; /api/ answers over plain HTTP
        builder.UseSetting("SelfService:Demo:HistoryMonths", "1");
        builder.UseSetting("SelfService:Api:RatePermits", "1000000000");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Folder, true); } catch (IOException) { }
    }
}

static class IngestionBenchmark
{
    private static readonly string[] Customers = ["acme", "initech", "globex", "umbrella", "hooli"];

    public static async Task Run(Args a)
    {
        using var app = new BenchApp(kestrel: true);
        var now = DateTime.UtcNow;
        var random = new Random(42);
        string Body(string prefix, int batch) => new JsonObject
        {
            ["events"] = new JsonArray(Enumerable.Range(0, 1_000).Select(i => (JsonNode)new JsonObject
            {
                ["id"] = $"{prefix}-{batch}-{i}",
                ["customer"] = Customers[i % Customers.Length],
                ["feature"] = i % 2 == 0 ? "api-calls" : "storage-gb",
                ["quantity"] = random.Next(1, 100),
                ["timestamp"] = now.AddSeconds(-random.Next(86_400)).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            }).ToArray()),
        }.ToJsonString();

        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(app.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BenchApp.ApiKey);
        var bodies = Enumerable.Range(0, a.Batches).Select(b => Encoding.UTF8.GetBytes(Body("http", b))).ToList();
        var warmup = Enumerable.Range(0, 10).Select(b => Encoding.UTF8.GetBytes(Body("warm", b))).ToList();

        // The same rows for the raw insert: what the endpoint stores, with other ids.
        var ids = await CustomerAndFeatureIds(app);
        var rawRows = Enumerable.Range(0, a.Batches).Select(b => Enumerable.Range(0, 1_000).Select(i => new
        {
            CustomerId = ids.Customers[Customers[i % Customers.Length]],
            FeatureId = i % 2 == 0 ? ids.Calls : ids.Storage,
            EventId = $"raw-{b}-{i}",
            Quantity = (decimal)random.Next(1, 100), // exact, as the endpoint stores it
            OccurredAt = now.AddSeconds(-random.Next(86_400)),
            ReceivedAt = now,
        }).ToList()).ToList();

        async Task Send(byte[] body)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync("/api/v1/usage", content);
            if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        foreach (var body in warmup) await Send(body);
        var db = app.Get<Db>();
        await RawInsert(db, [rawRows[0].Select(r => r with { EventId = "warm-" + r.EventId }).ToList()]);

        var half = a.Batches / 2;
        // Interleave halves so that neither side gets the emptier table or the warmer caches.
        var rawTime = TimeSpan.Zero;
        var httpTime = TimeSpan.Zero;
        var rawCpu = TimeSpan.Zero;
        var httpCpu = TimeSpan.Zero;
        var process = Process.GetCurrentProcess();
        for (var round = 0; round < 2; round++)
        {
            var range = round == 0 ? (0, half) : (half, a.Batches);
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            var next = range.Item1 - 1;
            await Task.WhenAll(Enumerable.Range(0, a.Concurrency).Select(async _ =>
            {
                int b;
                while ((b = Interlocked.Increment(ref next)) < range.Item2) await Send(bodies[b]);
            }));
            httpTime += sw.Elapsed;
            process.Refresh();
            httpCpu += process.TotalProcessorTime - cpu;
            cpu = process.TotalProcessorTime;

            sw.Restart();
            await RawInsert(db, rawRows.Skip(range.Item1).Take(range.Item2 - range.Item1).ToList());
            rawTime += sw.Elapsed;
            process.Refresh();
            rawCpu += process.TotalProcessorTime - cpu;
        }

        var events = a.Batches * 1_000.0;
        var httpRate = events / httpTime.TotalSeconds;
        var rawRate = events / rawTime.TotalSeconds;
        Console.WriteLine();
        Console.WriteLine($"Ingestion, {a.Batches:N0} batches of 1,000 events ({events:N0} events each way), SQLite, {a.Concurrency} concurrent HTTP clients:");
        Console.WriteLine($"  POST /api/v1/usage over HTTP (Kestrel, loopback): {httpRate,10:N0} events/s   ({httpTime.TotalSeconds:N2} s)");
        Console.WriteLine($"  raw Dapper insert, same rows, same table:          {rawRate,10:N0} events/s   ({rawTime.TotalSeconds:N2} s)");
        Console.WriteLine($"  ratio HTTP / raw: {httpRate / rawRate:N2}   (targets: >= 50,000 events/s and >= 0.5)");
        Console.WriteLine($"  CPU time of this process (client, server and SQLite): HTTP {httpCpu.TotalSeconds:N2} s = {events / httpCpu.TotalSeconds:N0} events per CPU-second, raw {rawCpu.TotalSeconds:N2} s = {events / rawCpu.TotalSeconds:N0} events per CPU-second");
        Console.WriteLine($"  load average at the end: {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores (other work on the machine slows both sides alike)");
    }

    private const string RawInsertSql = """
        insert into UsageEvent (CustomerId, FeatureId, EventId, Quantity, OccurredAt, ReceivedAt)
        values (@CustomerId, @FeatureId, @EventId, @Quantity, @OccurredAt, @ReceivedAt)
        """;

    private static async Task RawInsert<T>(Db db, List<List<T>> batches)
    {
        foreach (var batch in batches)
        {
            await using var c = await db.OpenAsync();
            await using var tx = db.Dialect.BeginWriteTransaction(c);
            await c.ExecuteAsync(RawInsertSql, batch, tx);
            await tx.CommitAsync();
        }
    }

    private static async Task<(Dictionary<string, long> Customers, long Calls, long Storage)> CustomerAndFeatureIds(BenchApp app)
    {
        await using var c = await app.Get<Db>().OpenAsync();
        var customers = (await c.QueryAsync<(long Id, string Key)>("select Id, ExternalKey from Customer")).ToDictionary(r => r.Key, r => r.Id);
        var features = (await c.QueryAsync<(long Id, string Handle)>("select Id, Handle from Feature")).ToDictionary(r => r.Handle, r => r.Id);
        return (customers, features["api-calls"], features["storage-gb"]);
    }
}

static class RollupBenchmark
{
    private const int ExtraCustomers = 95;

    public static async Task Run(Args a)
    {
        Console.WriteLine();
        Console.WriteLine($"Rollup of {a.NewEvents:N0} new events, 100 customers x 2 metered features, events over the last 6 hours:");
        await Measure(20_000, history: 0); // warm-up: compiles the rollup's code paths
        var empty = await Measure(a.NewEvents, history: 0);
        Console.WriteLine($"  with an empty history:                      {empty.TotalSeconds,7:N2} s");
        var full = await Measure(a.NewEvents, a.History);
        Console.WriteLine($"  with {a.History:N0} rolled-up events of history: {full.TotalSeconds,7:N2} s");
        Console.WriteLine($"  ratio history / empty: {full / empty:N2}   (targets: each under 15 s, ratio within 1.3)");
    }

    private static async Task<TimeSpan> Measure(long newEvents, long history)
    {
        using var app = new BenchApp(kestrel: false);
        var db = app.Get<Db>();
        var now = DateTime.UtcNow;
        var sw = Stopwatch.StartNew();
        await using (var c = await db.OpenAsync())
        {
            await c.ExecuteAsync("pragma synchronous = off"); // generating data only; the measured rollup runs on normal connections
            await AddCustomers(c, now);
            // Bring the demo to a settled state: its own (few) raw events folded.
            await app.Get<UsageRollup>().RunAsync();
            if (history > 0)
            {
                // History: events of the last 30 days (inside the retention, so kept raw), already rolled up into buckets.
                await Generate(c, "h", history, now, spanSeconds: 30 * 86_400, offsetSeconds: 6 * 3_600);
                await c.ExecuteAsync("""
                    insert into UsageHourly (CustomerId, FeatureId, HourStart, Total, Peak, LatestAt, LatestValue, EventCount)
                    select CustomerId, FeatureId, substr(OccurredAt, 1, 13) || ':00:00', exact_sum(Quantity), max(Quantity), max(OccurredAt), printf('%031.6f', 1), count(*)
                      from UsageEvent where EventId like 'h%'
                     group by CustomerId, FeatureId, substr(OccurredAt, 1, 13)
                    on conflict (CustomerId, FeatureId, HourStart) do update set Total = exact_add(Total, excluded.Total), EventCount = EventCount + excluded.EventCount
                    """, commandTimeout: 0);
                await c.ExecuteAsync("update RollupWatermark set LastEventId = (select max(Id) from UsageEvent) where Name = 'usage-hourly'");
            }
            await Generate(c, "n", newEvents, now, spanSeconds: 6 * 3_600, offsetSeconds: 0);
            await c.ExecuteAsync("pragma wal_checkpoint(truncate)");
        }
        Console.WriteLine($"    (generated {history:N0} + {newEvents:N0} events in {sw.Elapsed.TotalSeconds:N0} s)");

        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        sw.Restart();
        var result = await app.Get<UsageRollup>().RunAsync();
        var elapsed = sw.Elapsed;
        process.Refresh();
        Console.WriteLine($"    (rollup: {elapsed.TotalSeconds:N2} s wall, {(process.TotalProcessorTime - cpu).TotalSeconds:N2} s CPU, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
        if (result.EventsFolded != newEvents) throw new InvalidOperationException($"Folded {result.EventsFolded:N0}, expected {newEvents:N0}.");
        return elapsed;
    }

    private static async Task AddCustomers(System.Data.Common.DbConnection c, DateTime now)
    {
        var plan = await c.ExecuteScalarAsync<long>("select Id from PricePlan where Code = 'enterprise'");
        for (var i = 0; i < ExtraCustomers; i++)
        {
            var id = await c.ExecuteScalarAsync<long>("insert into Customer (ExternalKey, Name, CreatedAt) values (@key, @key, @now) returning Id", new { key = $"bench-{i}", now });
            await c.ExecuteAsync("insert into Subscription (CustomerId, PlanId, Status, BillingAnchorDay, StartedAt, UpdatedAt) values (@id, @plan, 'Active', @anchor, @now, @now)",
                new { id, plan, anchor = 1 + i % 28, now });
        }
    }

    /// <summary>Inserts <paramref name="count"/> events in SQL: customers and the two metered features in turn, spread over a span of time.</summary>
    private static async Task Generate(System.Data.Common.DbConnection c, string prefix, long count, DateTime now, int spanSeconds, int offsetSeconds)
    {
        var customers = (await c.QueryAsync<long>("select Id from Customer order by Id")).ToArray();
        var features = (await c.QueryAsync<long>("select Id from Feature where Handle in ('api-calls', 'storage-gb') order by Id")).ToArray();
        await c.ExecuteAsync("create temp table if not exists BenchCustomer (N integer primary key, Id integer not null)");
        await c.ExecuteAsync("delete from BenchCustomer");
        for (var i = 0; i < customers.Length; i++) await c.ExecuteAsync("insert into BenchCustomer (N, Id) values (@i, @id)", new { i, id = customers[i] });
        const long chunk = 1_000_000;
        for (long start = 0; start < count; start += chunk)
        {
            await using var tx = await c.BeginTransactionAsync();
            await c.ExecuteAsync("""
                with recursive n(i) as (select @from union all select i + 1 from n where i < @to)
                insert into UsageEvent (CustomerId, FeatureId, EventId, Quantity, OccurredAt, ReceivedAt)
                select (select Id from BenchCustomer where N = n.i % @customers),
                       case when (n.i / @customers) % 2 = 0 then @calls else @storage end,
                       @prefix || n.i,
                       printf('%031.6f', 1 + n.i % 7), -- an exact quantity as SQLite stores it (Data/Quantities)
                       strftime('%Y-%m-%d %H:%M:%S', @now, '-' || (@offset + (n.i * 7919) % @span) || ' seconds'),
                       @received
                  from n
                """, new
            {
                from = start, to = Math.Min(start + chunk, count) - 1, customers = customers.Length, calls = features[0], storage = features[1],
                prefix, now = now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), offset = offsetSeconds, span = spanSeconds,
                received = now.AddSeconds(-offsetSeconds),
            }, tx, commandTimeout: 0);
            await tx.CommitAsync();
        }
    }
}
