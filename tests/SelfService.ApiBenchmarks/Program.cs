// On-demand benchmark: the entitlement check versus a bare endpoint of the same app, over loopback HTTP.
//
//   dotnet run -c Release --project tests/SelfService.ApiBenchmarks -- [--seconds 10] [--warmup 3] [--connections 16]
//                                                                     [--url-only]  (print the URLs and key, serve until Enter: for wrk)
//                                                                     [--usage-page] (the customer usage page's server time instead)
//                                                                     [--breakdown]  (CPU time per call of each step of a check, in process, no HTTP)
//                                                                     [--rounds 5]   (alternating rounds per endpoint)
//
// The app is hosted exactly as Program.cs composes it (AppComposition: same extensions, same middleware), on a fresh SQLite
// database seeded with the demo, on Kestrel at 127.0.0.1. Only this host adds /api/v1/bench/bare, which answers
// the bytes of a real check response, so both endpoints send the same body through the same HTTP stack.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting.Server.Features;
using SelfService.Api;
using SelfService.Data;
using SelfService.Web;

var seconds = Option("--seconds", 10);
var warmup = Option("--warmup", 3);
var connections = Option("--connections", 16);
// The measured seconds of each endpoint are split into rounds that take turns (A B C D A B C D …), so a load that
// changes during the run (other work on a shared machine) weighs on every endpoint alike and the ratios hold.
var rounds = Math.Max(1, Option("--rounds", 5));
var urlOnly = args.Contains("--url-only");
var usagePage = args.Contains("--usage-page");

var dataFolder = Path.Combine(Path.GetTempPath(), "selfservice-bench-" + Guid.NewGuid().ToString("N"));
// The web project's own name and folder, so its Razor pages and wwwroot are found as when it runs itself.
var repo = new DirectoryInfo(AppContext.BaseDirectory);
while (repo is not null && !File.Exists(Path.Combine(repo.FullName, "SelfService.sln"))) repo = repo.Parent;
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = [],
    // Pages need Development over plain HTTP: elsewhere the session and antiforgery cookies are Secure-only.
    EnvironmentName = usagePage ? "Development" : "Production",
    ApplicationName = typeof(SelfService.Web.AppComposition).Assembly.GetName().Name,
    ContentRootPath = repo is null ? null : Path.Combine(repo.FullName, "src", "SelfService.Web"),
});
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    [DatabaseSettings.DataFolderSetting] = dataFolder,
    ["SelfService:Jobs:Server"] = "false",
    // Production refuses a public URL that is not https; the benchmark serves plain HTTP on loopback behind no proxy.
    ["SelfService:PublicUrl"] = usagePage ? "http://127.0.0.1/" : "https://127.0.0.1/",
    ["SelfService:Api:RatePermits"] = "100000000",
    ["SelfService:Api:RateWindowSeconds"] = "1",
    ["Logging:LogLevel:Default"] = "Warning",
});
builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
builder.AddDatabase();
builder.AddSelfService();

var app = builder.Build();
app.UseSelfService();

byte[] bareBody = [];
// The benchmark's baseline: same group (rate limiter), same API-key authentication and scope, constant body.
app.MapApiV1().MapGet("/bench/bare", () => Results.Bytes(bareBody, "application/json; charset=utf-8"))
    .RequireAuthorization(ApiSetup.Scope(ApiScopes.EntitlementsRead));
// And one with nothing in front of it: the cost of the HTTP stack alone.
app.MapGet("/bench/bare-anonymous", () => Results.Bytes(bareBody, "application/json; charset=utf-8"));

await app.StartAsync();
try
{
    var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    var (_, key) = await app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("benchmark", [ApiScopes.EntitlementsRead], "benchmark");
    const string checkPath = "/api/v1/customers/acme/entitlements/api-calls?requested=1";
    // As in a running deployment, where the rollup job folds the demo's history: the check then reads the rolled-up
    // hours (kept in memory under the rollup's watermark) and only the events reported since.
    await app.Services.GetRequiredService<SelfService.Metering.UsageRollup>().RunAsync();
    if (args.Contains("--breakdown"))
    {
        var checks = app.Services.GetRequiredService<SelfService.Integration.EntitlementChecks>();
        var ents = app.Services.GetRequiredService<SelfService.Entitlements.EntitlementService>();
        var st = app.Services.GetRequiredService<Stamps>();
        var ks = app.Services.GetRequiredService<ApiKeyStore>();
        async Task Time(string name, Func<Task> f)
        {
            for (var i = 0; i < 2000; i++) await f();
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            for (var i = 0; i < 20000; i++) await f();
            Console.WriteLine($"{name,-20} {(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMicroseconds / 20000,8:F1} us");
        }
        for (var pass = 0; pass < 3; pass++)
        {
            await Time("stamps", () => st.CurrentAsync());
            var dbx = app.Services.GetRequiredService<Db>();
            await Time("open+close", async () => { await using var c = await dbx.OpenAsync(); });
            await Time("open+select 1", async () => { await using var c = await dbx.OpenAsync(); await Dapper.SqlMapper.ExecuteScalarAsync<long>(c, "select 1"); });
            await Time("verify key", () => ks.VerifyAsync(key));
            await Time("account", () => ents.ForCustomerAsync("acme"));
            await Time("check api-calls", () => checks.FeatureAsync("acme", "api-calls", 1));
            await Time("check sso", () => checks.FeatureAsync("acme", "sso", null));
            Console.WriteLine();
        }
        return;
    }

    using var probe = Client(1);
    var checkResponse = await probe.GetAsync(checkPath);
    checkResponse.EnsureSuccessStatusCode();
    bareBody = await checkResponse.Content.ReadAsByteArrayAsync();
    Console.WriteLine($"check body: {bareBody.Length} bytes; bare body: the same bytes");

    if (urlOnly)
    {
        Console.WriteLine($"key:   {key}");
        Console.WriteLine($"check: {baseUrl}{checkPath}");
        Console.WriteLine($"bare:  {baseUrl}/api/v1/bench/bare");
        Console.WriteLine($"anon:  {baseUrl}/bench/bare-anonymous");
        Console.WriteLine("Serving; press Enter to stop.");
        Console.ReadLine();
        return;
    }

    if (usagePage)
    {
        await UsagePage();
        return;
    }

    Console.WriteLine($"{Environment.ProcessorCount} cores, {connections} connections, {warmup} s warm-up + {seconds} s per endpoint in {rounds} alternating rounds, .NET HttpClient load");
    var targets = new (string Name, string Path)[]
    {
        ("bare (no auth)", "/bench/bare-anonymous"),
        ("bare (API key)", "/api/v1/bench/bare"),
        ("check (boolean)", "/api/v1/customers/acme/entitlements/sso"),
        ("check", checkPath),
    };
    foreach (var t in targets) await Drive(t.Path, warmup, record: false);
    var runs = targets.Select(_ => new List<Run>()).ToArray();
    for (var round = 0; round < rounds; round++)
        for (var i = 0; i < targets.Length; i++)
            runs[i].Add(await Drive(targets[i].Path, (double)seconds / rounds, record: true));
    var results = targets.Select((t, i) => (t.Name, R: Run.Combine(runs[i]))).ToList();

    Console.WriteLine();
    Console.WriteLine($"{"endpoint",-16} {"requests/s",12} {"p50 ms",8} {"p99 ms",8} {"errors",7} {"CPU us/req",11}");
    foreach (var (name, r) in results)
        Console.WriteLine(FormattableString.Invariant($"{name,-16} {r.Throughput,12:F0} {r.P50,8:F2} {r.P99,8:F2} {r.Errors,7} {r.CpuPerRequest,11:F1}"));
    var check = results[^1].R;
    Console.WriteLine();
    Console.WriteLine(FormattableString.Invariant($"check / bare (API key): {check.Throughput / results[1].R.Throughput:F2}x   check / bare (no auth): {check.Throughput / results[0].R.Throughput:F2}x   (targets: >= 0.8x and >= 0.5x)"));
    Console.WriteLine(FormattableString.Invariant($"by CPU per request:     {results[1].R.CpuPerRequest / check.CpuPerRequest:F2}x                          {results[0].R.CpuPerRequest / check.CpuPerRequest:F2}x"));

    // The customer's usage page (signed in as acme's owner), one request at a time so latency is server time,
    // beside the notifications page: the same layout and sign-in with almost nothing to read.
    async Task UsagePage()
    {
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl) };
        var signIn = await browser.GetStringAsync("/account/sign-in");
        var token = System.Text.RegularExpressions.Regex.Match(signIn, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var signedIn = await browser.PostAsync("/account/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = SelfService.Demo.DemoUsers.AcmeOwner, ["Password"] = SelfService.Demo.DemoOptions.DefaultPassword, ["__RequestVerificationToken"] = token,
        }));
        if (signedIn.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException("sign-in failed");
        var pages = new (string Name, string Path)[]
        {
            ("notifications (baseline)", "/customers/acme/notifications"),
            ("usage, this period", "/customers/acme/usage"),
            ("usage, 12 months", "/customers/acme/usage?period=12m"),
        };
        Console.WriteLine($"{Environment.ProcessorCount} cores, 1 connection, {warmup} s warm-up + {seconds} s per page, sequential requests");
        Console.WriteLine($"{"page",-26} {"requests/s",12} {"p50 ms",8} {"p99 ms",8}");
        var baseline = 0.0;
        foreach (var (name, path) in pages)
        {
            foreach (var record in new[] { false, true })
            {
                var latencies = new List<double>();
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed < TimeSpan.FromSeconds(record ? seconds : warmup))
                {
                    var start = Stopwatch.GetTimestamp();
                    using var response = await browser.GetAsync(path);
                    await response.Content.ReadAsByteArrayAsync();
                    if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"{path}: {response.StatusCode}");
                    latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                if (!record) continue;
                latencies.Sort();
                var p50 = latencies[latencies.Count / 2];
                if (baseline == 0) baseline = p50;
                Console.WriteLine(FormattableString.Invariant(
                    $"{name,-26} {latencies.Count / clock.Elapsed.TotalSeconds,12:F0} {p50,8:F2} {latencies[(int)(latencies.Count * 0.99)],8:F2}   p50 {p50 / baseline:F1}x the baseline"));
            }
        }
    }

    HttpClient Client(int max)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = max, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri(baseUrl),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        // As from the TLS-terminating proxy a Production deployment sits behind (loopback is a trusted proxy by default).
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        return client;
    }

    async Task<Run> Drive(string path, double duration, bool record)
    {
        using var client = Client(connections);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var stop = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(duration);
        var errors = 0;
        var workers = Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            var latencies = new List<long>(200_000);
            while (stop.Elapsed < limit)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(path, HttpCompletionOption.ResponseContentRead);
                var elapsed = Stopwatch.GetTimestamp() - start;
                if (response.StatusCode != HttpStatusCode.OK) Interlocked.Increment(ref errors);
                if (record) latencies.Add(elapsed);
            }
            return latencies;
        })).ToList();
        var all = (await Task.WhenAll(workers)).SelectMany(l => l).ToArray();
        return new Run(all, stop.Elapsed.TotalSeconds, errors, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds);
    }
}
finally
{
    await app.StopAsync();
    await app.DisposeAsync();
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    try { Directory.Delete(dataFolder, recursive: true); } catch (IOException) { }
}

int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

/// <summary>
/// One endpoint's figures; <see cref="CpuPerRequest"/> is the process's CPU time (server and load generator, which is
/// the same work for every endpoint) per request: unlike requests/s, it barely moves when other work shares the machine.
/// </summary>
internal sealed record Result(double Throughput, double P50, double P99, int Errors, double CpuPerRequest);

/// <summary>One endpoint's requests in one round: their latencies (Stopwatch ticks) and the round's wall time.</summary>
internal sealed record Run(long[] Latencies, double Seconds, int Errors, double CpuMicroseconds)
{
    public static Result Combine(IReadOnlyList<Run> runs)
    {
        var all = runs.SelectMany(r => r.Latencies).Order().ToArray();
        double Ms(double q) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(q * all.Length))] * 1000.0 / Stopwatch.Frequency;
        return new Result(all.Length / runs.Sum(r => r.Seconds), Ms(0.50), Ms(0.99), runs.Sum(r => r.Errors),
            all.Length == 0 ? 0 : runs.Sum(r => r.CpuMicroseconds) / all.Length);
    }
}
