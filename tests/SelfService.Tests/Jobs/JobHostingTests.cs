using System.Net;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using SelfService.Metering;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Jobs;

/// <summary>The Hangfire dashboard is for Operators only.</summary>
public sealed class JobDashboardTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task Dashboard_ForAnOperator_Answers200()
    {
        var op = await PageClient.SignedInAs(app, "operator@vendor.example");
        var response = await op.Get("/hangfire");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("SelfService jobs", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await op.Get("/hangfire/recurring")).StatusCode);
    }

    [Theory]
    [InlineData("owner@acme.example")]
    [InlineData("member@acme.example")]
    [InlineData("approver@vendor.example")]
    public async Task Dashboard_ForAnyoneElseSignedIn_Answers403(string email)
    {
        var user = await PageClient.SignedInAs(app, email);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.Get("/hangfire")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.Get("/hangfire/recurring")).StatusCode);
    }

    [Fact]
    public async Task Dashboard_Anonymously_RedirectsToSignIn()
    {
        var response = await PageClient.Anonymous(app).Get("/hangfire/jobs/enqueued");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/sign-in?ReturnUrl=%2Fhangfire%2Fjobs%2Fenqueued", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task Dashboard_ForAnApiKey_IsNotOpen()
    {
        var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var (_, key) = await app.Get<SelfService.Api.ApiKeyStore>().CreateAsync("ops-bot", SelfService.Api.ApiScopes.All, "test");
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        Assert.NotEqual(HttpStatusCode.OK, (await client.GetAsync("/hangfire")).StatusCode);
    }

    [Fact]
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
    public async Task WorkerMode_ServesNoPagesNoApiAndNoDashboard_ButRunsJobs()
    {
        using var app = new AppFactory();
        app.Settings["SelfService:Mode"] = "Worker";
        var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        foreach (var path in new[] { "/", "/account/sign-in", "/customers/acme", "/hangfire", "/css/site.css" })
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/v1/usage", new StringContent("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);

        using var connection = app.Get<JobStorage>().GetConnection();
        Assert.Contains(connection.GetRecurringJobs(), j => j.Id == nameof(UsageRollupJob));
        await app.Services.GetRequiredService<UsageRollupJob>().Execute(CancellationToken.None);
    }

    [Fact]
    public async Task TwoAppHostsInOneProcess_BothWork_AndOneOutlivesTheOther()
    {
        using var first = new AppFactory();
        var second = new AppFactory();
        try
        {
            var a = await PageClient.SignedInAs(first, "operator@vendor.example");
            var b = await PageClient.SignedInAs(second, "operator@vendor.example");
            Assert.Equal(HttpStatusCode.OK, (await a.Get("/hangfire")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await b.Get("/hangfire")).StatusCode);
            Assert.NotSame(first.Get<JobStorage>(), second.Get<JobStorage>());
            await second.Services.GetRequiredService<UsageRollupJob>().Execute(CancellationToken.None);
        }
        finally
        {
            second.Dispose();
        }

        var again = await PageClient.SignedInAs(first, "operator@vendor.example");
        Assert.Equal(HttpStatusCode.OK, (await again.Get("/hangfire/recurring")).StatusCode);
        await first.Services.GetRequiredService<UsageRollupJob>().Execute(CancellationToken.None);
    }
}
