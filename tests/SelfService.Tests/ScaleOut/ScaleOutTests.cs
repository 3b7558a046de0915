using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using Dapper;
using Microsoft.Data.SqlClient;
using Npgsql;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SelfService.Tests.ScaleOut;

/// <summary>
/// Scale-out, shown rather than claimed: three processes of the built app on one server database — two web instances
/// with <c>SelfService__Jobs__Server=false</c> and one <c>SelfService__Mode=Worker</c> — while 20 writers post usage to
/// both web instances, the worker rolls up every 5 seconds, approvers approve one request on both web instances at once,
/// and one web instance is killed (SIGKILL) in the middle and started again. Afterwards every surface of both instances
/// (check API, portal, token) counts every accepted event exactly once, before and after the rollup has folded them;
/// the request was provisioned once; a grant made through one instance is in the other's very next check; only the
/// worker runs jobs, and each recurring job is registered once and ran once per schedule, not once per process.
/// </summary>
public abstract class ScaleOutTests(TestDatabase database, ITestOutputHelper output) : IDisposable
{
    private const string ApiKey = "ss_scaleout_0123456789abcdefghijklmnopqrstuv";
    private const int Writers = 20;
    private const int BatchesPerWriter = 12;
    private const int EventsPerBatch = 25;
    private static readonly TimeSpan RollupEvery = TimeSpan.FromSeconds(5);

    private readonly List<AppProcess> _processes = [];
    private string? _connectionString;

    [SkippableFact]
    public async Task ThreeProcessesOnOneDatabase_CountEveryEventOnce_ProvisionOnce_AndRunEachJobOncePerSchedule()
    {
        TestDatabases.Require(database);
        _connectionString = database == TestDatabase.PostgreSql ? TestDatabases.NewPostgreSqlDatabase() : TestDatabases.NewSqlServerDatabase();

        // The first instance migrates and seeds the demo; the others start on the ready database, as a deployment would.
        var a = Start("web-a", worker: false);
        await a.WaitReadyAsync();
        var started = DateTime.UtcNow;
        var b = Start("web-b", worker: false);
        var w = Start("worker", worker: true);
        await Task.WhenAll(b.WaitReadyAsync(), w.WaitReadyAsync());

        var baseline = await CheckUsage(a, "hooli", "api-calls");
        var request = await SubmitAccessRequest(b);
        var grantsBefore = await Scalar<int>("select count(*) from EntitlementGrant");

        // 20 writers, each batch to one instance and, when that fails (killed, refused, too slow), again to the other:
        // the same event ids, so a batch that committed before its answer was lost is a duplicate the second time.
        var accepted = new ConcurrentDictionary<string, long>();
        var batchesDone = 0;
        var killed = new TaskCompletionSource();
        var web = new[] { a, b };
        var writers = Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            for (var batch = 0; batch < BatchesPerWriter; batch++)
            {
                var events = Enumerable.Range(0, EventsPerBatch).Select(i => (Id: $"scale-{writer}-{batch}-{i}", Quantity: 1L + (writer + batch + i) % 3)).ToList();
                var body = new JsonObject
                {
                    ["events"] = new JsonArray(events.Select(e => (JsonNode)new JsonObject
                    {
                        ["id"] = e.Id, ["customer"] = "hooli", ["feature"] = "api-calls", ["quantity"] = e.Quantity,
                        ["timestamp"] = DateTime.UtcNow.AddSeconds(-20).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                    }).ToArray()),
                }.ToJsonString();
                await PostUntilAnswered(web, (writer + batch) % 2, body);
                foreach (var e in events) accepted[e.Id] = e.Quantity;
                // Every fourth batch is sent again, to the other instance: a client's retry after a lost answer.
                if (batch % 4 == 3)
                {
                    var replay = await PostUntilAnswered(web, (writer + batch + 1) % 2, body);
                    Assert.Equal(0, replay.GetProperty("accepted").GetInt32());
                    Assert.Equal(EventsPerBatch, replay.GetProperty("duplicates").GetInt32());
                }
                if (Interlocked.Increment(ref batchesDone) == Writers * BatchesPerWriter / 3) killed.TrySetResult();
            }
        })).ToList();

        // Approvers on both instances open the request, then approve it at the same moment, while the writers write.
        var forms = await Task.WhenAll(ApprovalForm(a, request), ApprovalForm(b, request));
        var approvals = await Task.WhenAll(forms.Select(async f => (await f.Approver.Submit(f.Form, new())).StatusCode));
        Assert.All(approvals, status => Assert.True(status is HttpStatusCode.Redirect or HttpStatusCode.OK or HttpStatusCode.Conflict, $"approval answered {status}"));

        await killed.Task;
        a.Kill();
        output.WriteLine($"web-a killed after {batchesDone} batches");
        await Task.WhenAll(writers);
        a = Start("web-a", worker: false, port: a.Port);
        await a.WaitReadyAsync();

        var expected = baseline + accepted.Values.Sum();
        Assert.Equal(Writers * BatchesPerWriter * EventsPerBatch, accepted.Count);
        Assert.Equal(accepted.Count, await Scalar<int>("select count(*) from UsageEvent where EventId like 'scale-%'"));
        await AssertEverySurface(expected, "before the rollup folded them all");

        // The worker folds everything older than the safety lag; then the same figure comes from the hourly rollups.
        var lastEvent = await Scalar<long>("select max(Id) from UsageEvent");
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (await Scalar<long>("select LastEventId from RollupWatermark where Name = 'usage-hourly'") < lastEvent)
        {
            Assert.True(DateTime.UtcNow < deadline, "the worker's rollup did not fold the events within 90 s");
            await Task.Delay(500);
        }
        await AssertEverySurface(expected, "after the rollup");

        // The approval provisioned once: one grant more, the request approved once.
        Assert.Equal(grantsBefore + 1, await Scalar<int>("select count(*) from EntitlementGrant"));
        Assert.Equal(1, await Scalar<int>("select count(*) from AccessRequestEvent where RequestId = @request and Action = 'Provisioned'", new { request }));

        // A grant made through A is in B's very next check: the entitlement stamp crosses processes.
        Assert.False((await Check(b, "globex", "sso")).GetProperty("hasAccess").GetBoolean());
        using (var crm = Api(a))
        {
            using var grant = new HttpRequestMessage(HttpMethod.Post, "/api/v1/customers/globex/grants")
            {
                Content = new StringContent("""{"feature":"sso","value":true,"reason":"Scale-out pilot"}""", Encoding.UTF8, "application/json"),
            };
            grant.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            Assert.Equal(HttpStatusCode.Created, (await crm.SendAsync(grant)).StatusCode);
        }
        Assert.True((await Check(b, "globex", "sso")).GetProperty("hasAccess").GetBoolean());

        // Jobs: one job server (the worker's) although three processes registered the recurring jobs, and the rollup ran
        // once per 5-second schedule across the three processes, not once per process.
        var elapsed = DateTime.UtcNow - started;
        Assert.Equal(1, await Scalar<int>(HangfireSql("select count(*) from {schema}.server")));
        var rollups = await Scalar<int>(HangfireSql("select count(*) from {schema}.job where invocationdata like '%UsageRollupJob%'"));
        var schedules = (int)(elapsed / RollupEvery) + 1;
        var ran = Regex.Count(w.Output, @"Job UsageRollupJob \(\d+\) succeeded");
        output.WriteLine($"{rollups} rollup jobs created, {ran} ran, in {elapsed.TotalSeconds:F0} s ({schedules} schedules)");
        Assert.InRange(rollups, 1, schedules + 1); // Hangfire's scheduler may fold several missed schedules into one run
        Assert.InRange(ran, rollups - 2, rollups); // the last may still be queued or running
        Assert.DoesNotContain("Job UsageRollupJob", a.Output + b.Output);
        Assert.DoesNotContain("failed after", w.Output);
    }

    private async Task AssertEverySurface(long expected, string when)
    {
        foreach (var instance in _processes.Where(p => !p.Exited && !p.IsWorker))
        {
            var surfaces = new Dictionary<string, long>
            {
                ["check API"] = await CheckUsage(instance, "hooli", "api-calls"),
                ["portal"] = await PortalUsage(instance),
                ["token"] = await TokenUsage(instance),
            };
            Assert.True(surfaces.Values.All(v => v == expected),
                $"{instance.Name} {when}: expected {expected}, got {string.Join(", ", surfaces.Select(s => $"{s.Key} {s.Value}"))}");
        }
    }

    private static async Task<JsonElement> PostUntilAnswered(AppProcess[] web, int first, string body)
    {
        for (var attempt = 0; ; attempt++)
        {
            var target = web[(first + attempt) % 2];
            try
            {
                using var client = Api(target);
                var response = await client.PostAsync("/api/v1/usage", new StringContent(body, Encoding.UTF8, "application/json"));
                if (response.StatusCode == HttpStatusCode.OK)
                    return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                Assert.True((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests,
                    $"usage answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            catch (HttpRequestException) { } // killed under the request
            catch (TaskCanceledException) { }
            Assert.True(attempt < 40, "a batch found no instance to take it");
            await Task.Delay(100 * Math.Min(attempt + 1, 10));
        }
    }

    private static HttpClient Api(AppProcess instance)
    {
        var client = new HttpClient { BaseAddress = new Uri(instance.Url), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        return client;
    }

    private static async Task<JsonElement> Check(AppProcess instance, string customer, string feature)
    {
        using var client = Api(instance);
        var response = await client.GetAsync($"/api/v1/customers/{customer}/entitlements/{feature}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<long> CheckUsage(AppProcess instance, string customer, string feature) =>
        (long)(await Check(instance, customer, feature)).GetProperty("usage").GetDouble();

    private static async Task<long> TokenUsage(AppProcess instance)
    {
        using var client = Api(instance);
        var response = await client.PostAsync("/api/v1/customers/hooli/token", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var token = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
        using var claims = JsonDocument.Parse(Convert.FromBase64String(payload));
        return (long)claims.RootElement.GetProperty("entitlements").GetProperty("api-calls").GetProperty("usage").GetDouble();
    }

    private static async Task<PageClient> SignedIn(AppProcess instance, string email)
    {
        var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        {
            BaseAddress = new Uri(instance.Url), Timeout = TimeSpan.FromSeconds(30),
        };
        var client = new PageClient(http);
        Assert.Equal(HttpStatusCode.Redirect, (await client.SignIn(email)).StatusCode);
        return client;
    }

    private static async Task<long> PortalUsage(AppProcess instance)
    {
        var owner = await SignedIn(instance, DemoUsers.HooliOwner);
        var page = await owner.GetDocument("/customers/hooli/usage");
        var value = page.QuerySelector("[data-testid=usage-card][data-handle=api-calls]")!.ByTestId("usage-value").GetAttribute("data-value")!;
        return (long)double.Parse(value, CultureInfo.InvariantCulture);
    }

    /// <summary>Initech's Owner asks (through one instance) for 10 more members for 30 days: a request the vendor decides.</summary>
    private static async Task<long> SubmitAccessRequest(AppProcess instance)
    {
        var owner = await SignedIn(instance, DemoUsers.InitechOwner);
        var page = await owner.GetDocument("/customers/initech/requests/new?kind=access");
        var response = await owner.Submit(page.Form("form[data-testid=request-form]"), new()
        {
            ["Kind"] = "Access", ["FeatureHandle"] = "max-members", ["Amount"] = "10", ["DurationDays"] = "30", ["Justification"] = "Contractors for the audit.",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return long.Parse(response.Headers.Location!.OriginalString.Split('/').Last().Split('?')[0], CultureInfo.InvariantCulture);
    }

    private static async Task<(PageClient Approver, AngleSharp.Html.Dom.IHtmlFormElement Form)> ApprovalForm(AppProcess instance, long request)
    {
        var approver = await SignedIn(instance, DemoUsers.Approver);
        var page = await approver.GetDocument($"/vendor/approvals/{request}");
        return (approver, page.Form("form[data-testid=approve-form]"));
    }

    private string HangfireSql(string sql) => sql.Replace("{schema}", database == TestDatabase.PostgreSql ? "hangfire" : "HangFire", StringComparison.Ordinal)
        .Replace("invocationdata like", database == TestDatabase.PostgreSql ? "invocationdata::text like" : "InvocationData like", StringComparison.Ordinal);

    private async Task<T> Scalar<T>(string sql, object? args = null)
    {
        await using System.Data.Common.DbConnection c = database == TestDatabase.PostgreSql ? new NpgsqlConnection(_connectionString) : new SqlConnection(_connectionString);
        return (await c.ExecuteScalarAsync<T>(sql, args))!;
    }

    private AppProcess Start(string name, bool worker, int? port = null)
    {
        var environment = new Dictionary<string, string>
        {
            [database == TestDatabase.PostgreSql ? "ConnectionStrings__PostgreSql" : "ConnectionStrings__SqlServer"] = _connectionString!,
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["SelfService__Demo__Seed"] = "true",
            ["SelfService__Demo__ApiKey"] = ApiKey,
            ["SelfService__PublicUrl"] = "http://127.0.0.1/",
            ["SelfService__Api__RatePermits"] = "1000000",
            ["SelfService__Jobs__Schedules__UsageRollupJob"] = "*/5 * * * * *",
            // Short enough that the worker folds this test's events while it watches; long enough for a loaded machine.
            ["SelfService__Metering__RollupSafetyLag"] = "00:00:10",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__SelfService.Jobs.JobRun"] = "Information",
            ["Logging__Console__FormatterName"] = "simple",
        };
        // Development watches its files for changes; many processes on one machine run out of inotify instances.
        foreach (var (key, value) in AppFactory.NoFileWatchers) environment[key] = value;
        if (worker) environment["SelfService__Mode"] = "Worker";
        else environment["SelfService__Jobs__Server"] = "false";
        var process = AppProcess.Start(name, worker, port ?? FreePort(), environment, output);
        _processes.Add(process);
        return process;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        foreach (var p in _processes) p.Dispose();
        if (_connectionString is null) return;
        if (database == TestDatabase.PostgreSql) TestDatabases.DropPostgreSqlDatabase(_connectionString);
        else TestDatabases.DropSqlServerDatabase(_connectionString);
        GC.SuppressFinalize(this);
    }

    /// <summary>One process of the built app (<c>dotnet SelfService.Web.dll</c>) on loopback, its output kept.</summary>
    private sealed class AppProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly ITestOutputHelper _log;

        private AppProcess(string name, bool worker, int port, Process process, ITestOutputHelper log)
        {
            Name = name; IsWorker = worker; Port = port; _process = process; _log = log;
        }

        public string Name { get; }
        public bool IsWorker { get; }
        public int Port { get; }
        public string Url => $"http://127.0.0.1:{Port}";
        public bool Exited => _process.HasExited;

        public string Output
        {
            get { lock (_output) return _output.ToString(); }
        }

        public static AppProcess Start(string name, bool worker, int port, Dictionary<string, string> environment, ITestOutputHelper log)
        {
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "SelfService.Web.dll"), "--urls", $"http://127.0.0.1:{port}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                // The web project's folder: its wwwroot and appsettings.json, as when it runs itself.
                WorkingDirectory = Path.Combine(SelfService.Tests.Data.SqlServerScriptTests.RepoRoot, "src", "SelfService.Web"),
            };
            foreach (var (key, value) in environment) start.Environment[key] = value;
            var process = new Process { StartInfo = start };
            var app = new AppProcess(name, worker, port, process, log);
            process.OutputDataReceived += (_, e) => app.Append(e.Data);
            process.ErrorDataReceived += (_, e) => app.Append(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return app;
        }

        private void Append(string? line)
        {
            if (line is null) return;
            lock (_output) _output.AppendLine(line);
        }

        public async Task WaitReadyAsync()
        {
            using var client = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (true)
            {
                Assert.False(_process.HasExited, $"{Name} exited at start:\n{Output}");
                try
                {
                    if ((await client.GetAsync("/healthz/ready")).StatusCode == HttpStatusCode.OK) return;
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
                Assert.True(DateTime.UtcNow < deadline, $"{Name} was not ready within 120 s:\n{Output}");
                await Task.Delay(250);
            }
        }

        /// <summary>SIGKILL: no shutdown, no flush, open transactions lost mid-way.</summary>
        public void Kill()
        {
            _process.Kill();
            _process.WaitForExit();
        }

        public void Dispose()
        {
            if (!_process.HasExited) Kill();
            _log.WriteLine($"--- {Name} ---\n{Output}");
            _process.Dispose();
        }
    }
}

public sealed class PostgreSqlScaleOutTests(ITestOutputHelper output) : ScaleOutTests(TestDatabase.PostgreSql, output);

public sealed class SqlServerScaleOutTests(ITestOutputHelper output) : ScaleOutTests(TestDatabase.SqlServer, output);
