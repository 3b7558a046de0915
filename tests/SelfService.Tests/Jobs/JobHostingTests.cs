using System.Net;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using SelfService.Demo;
using SelfService.Metering;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Jobs;

/// <summary>The Hangfire dashboard is for Operators only.</summary>
public abstract class JobDashboardTests(AppFactory app)
{
    [SkippableFact]
    public async Task Dashboard_ForAnOperator_Answers200()
    {
        var op = await PageClient.SignedInAs(app, DemoUsers.Operator);
        var response = await op.Get("/hangfire");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("SelfService jobs", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await op.Get("/hangfire/recurring")).StatusCode);
    }

    [SkippableTheory]
    [InlineData(DemoUsers.AcmeOwner)]
    [InlineData(DemoUsers.AcmeMember)]
    [InlineData(DemoUsers.Approver)]
    public async Task Dashboard_ForAnyoneElseSignedIn_Answers403(string email)
    {
        var user = await PageClient.SignedInAs(app, email);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.Get("/hangfire")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.Get("/hangfire/recurring")).StatusCode);
    }

    [SkippableFact]
    public async Task Dashboard_Anonymously_RedirectsToSignIn()
    {
        var response = await PageClient.Anonymous(app).Get("/hangfire/jobs/enqueued");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/sign-in?ReturnUrl=%2Fhangfire%2Fjobs%2Fenqueued", response.Headers.Location!.PathAndQuery);
    }

    [SkippableFact]
    public async Task Dashboard_ForAnApiKey_IsNotOpen()
    {
        var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var (_, key) = await app.Get<SelfService.Api.ApiKeyStore>().CreateAsync("ops-bot", SelfService.Api.ApiScopes.All, "test");
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        Assert.NotEqual(HttpStatusCode.OK, (await client.GetAsync("/hangfire")).StatusCode);
    }

    [SkippableFact]
    public void RecurringJobs_AreRegisteredInTheAppsOwnStorage_WithTheirSchedules()
    {
        using var connection = app.Get<JobStorage>().GetConnection();
        var rollup = Assert.Single(connection.GetRecurringJobs(), j => j.Id == nameof(UsageRollupJob));
        Assert.Equal("* * * * *", rollup.Cron);
    }
}

/// <summary>Configuration switches: a job schedule, worker mode, several hosts in one process.</summary>
public sealed class JobHostingTests
{
    [Fact]
    public void JobSchedule_ComesFromConfiguration()
    {
        using var app = new AppFactory();
        app.Settings[$"SelfService:Jobs:Schedules:{nameof(UsageRollupJob)}"] = "*/5 * * * *";
        using var connection = app.Get<JobStorage>().GetConnection();
        Assert.Equal("*/5 * * * *", Assert.Single(connection.GetRecurringJobs(), j => j.Id == nameof(UsageRollupJob)).Cron);
    }

    [Fact]
    public async Task TwoAppHostsInOneProcess_BothWork_AndOneOutlivesTheOther()
    {
        using var first = new AppFactory();
        var second = new AppFactory();
        try
        {
            var a = await PageClient.SignedInAs(first, DemoUsers.Operator);
            var b = await PageClient.SignedInAs(second, DemoUsers.Operator);
            Assert.Equal(HttpStatusCode.OK, (await a.Get("/hangfire")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await b.Get("/hangfire")).StatusCode);
            Assert.NotSame(first.Get<JobStorage>(), second.Get<JobStorage>());
            await second.Services.GetRequiredService<UsageRollupJob>().Execute(CancellationToken.None);
        }
        finally
        {
            second.Dispose();
        }

        var again = await PageClient.SignedInAs(first, DemoUsers.Operator);
        Assert.Equal(HttpStatusCode.OK, (await again.Get("/hangfire/recurring")).StatusCode);
        await first.Services.GetRequiredService<UsageRollupJob>().Execute(CancellationToken.None);
    }
}

/// <summary>
/// Worker mode on a database server: no pages, APIs or dashboard, and it runs what web instances (without a job server
/// of their own) put in the queue they share in the database.
/// </summary>
public abstract class WorkerModeTests(TestDatabase database)
{
    [SkippableFact]
    public async Task AWorker_ServesNoPagesNoApiAndNoDashboard_AndRunsTheJobsAWebInstanceEnqueues()
    {
        using var web = new AppFactory { Database = database };
        var enqueuedBy = web.Get<IBackgroundJobClient>();
        using var worker = new AppFactory { SharingDatabaseOf = web };
        worker.Settings["SelfService:Mode"] = "Worker";
        worker.Settings["SelfService:Jobs:Server"] = "true";
        var client = worker.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        foreach (var path in new[] { "/", "/account/sign-in", "/customers/acme", "/hangfire", "/css/site.css" })
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/v1/usage", new StringContent("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);

        // The web instance has no job server: only the worker can run what it enqueues.
        var id = enqueuedBy.Enqueue<UsageRollupJob>(j => j.Execute(CancellationToken.None));
        var monitor = web.Get<JobStorage>().GetMonitoringApi();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string? state = null;
        while (DateTime.UtcNow < deadline && (state = monitor.JobDetails(id)?.History.FirstOrDefault()?.StateName) != "Succeeded")
            await Task.Delay(200);
        Assert.Equal("Succeeded", state);
        Assert.Contains(monitor.Servers(), s => s.Queues.Contains("default"));
    }
}

public sealed class PostgreSqlWorkerModeTests() : WorkerModeTests(TestDatabase.PostgreSql);

public sealed class SqlServerWorkerModeTests() : WorkerModeTests(TestDatabase.SqlServer);

public sealed class SqliteJobDashboardTests(SqliteApp app) : JobDashboardTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlJobDashboardTests(PostgreSqlApp app) : JobDashboardTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerJobDashboardTests(SqlServerApp app) : JobDashboardTests(app), IClassFixture<SqlServerApp>;
