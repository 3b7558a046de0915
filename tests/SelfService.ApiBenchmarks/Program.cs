// On-demand benchmark: the entitlement check versus a bare endpoint of the same app, over loopback HTTP.
//
//   dotnet run -c Release --project tests/SelfService.ApiBenchmarks -- [--seconds 10] [--warmup 3] [--connections 16]
//                                                                     [--url-only]  (print the URLs and key, serve until Enter: for wrk)
//                                                                     [--usage-page] (the customer usage page's server time instead)
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
    ["SelfService:PublicUrl"] = "http://127.0.0.1/",
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

    Console.WriteLine($"{Environment.ProcessorCount} cores, {connections} connections, {warmup} s warm-up + {seconds} s per endpoint, .NET HttpClient load");
    var targets = new (string Name, string Path)[]
    {
        ("bare (no auth)", "/bench/bare-anonymous"),
        ("bare (API key)", "/api/v1/bench/bare"),
        ("check (boolean)", "/api/v1/customers/acme/entitlements/sso"),
        ("check", checkPath),
    };
    foreach (var t in targets) await Drive(t.Path, warmup, record: false);
    var results = new List<(string Name, Result R)>();
    foreach (var t in targets) results.Add((t.Name, await Drive(t.Path, seconds, record: true)));

    Console.WriteLine();
    Console.WriteLine($"{"endpoint",-16} {"requests/s",12} {"p50 ms",8} {"p99 ms",8} {"errors",7}");
    foreach (var (name, r) in results)
        Console.WriteLine(FormattableString.Invariant($"{name,-16} {r.Throughput,12:F0} {r.P50,8:F2} {r.P99,8:F2} {r.Errors,7}"));
    var check = results[^1].R;
    Console.WriteLine();
    Console.WriteLine(FormattableString.Invariant($"check / bare (API key): {check.Throughput / results[1].R.Throughput:F2}x   check / bare (no auth): {check.Throughput / results[0].R.Throughput:F2}x   (target >= 0.5x)"));

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
        return client;
    }

    async Task<Result> Drive(string path, int duration, bool record)
    {
        using var client = Client(connections);
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
        var all = (await Task.WhenAll(workers)).SelectMany(l => l).Order().ToArray();
        var wall = stop.Elapsed.TotalSeconds;
        double Ms(double q) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(q * all.Length))] * 1000.0 / Stopwatch.Frequency;
        return new Result(all.Length / wall, Ms(0.50), Ms(0.99), errors);
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

internal sealed record Result(double Throughput, double P50, double P99, int Errors);
