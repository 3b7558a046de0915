using Hangfire;
using Microsoft.AspNetCore.Authentication;
using Hangfire.Dashboard;
using SelfService.Data;
using SelfService.Identity;

namespace SelfService.Jobs;

public sealed class JobsOptions
{
    public const string Section = "SelfService:Jobs";

    /// <summary>Run a Hangfire server in this process. Off: the web app only enqueues and shows the dashboard.</summary>
    public bool Server { get; set; } = true;

    /// <summary>Cron expressions by job name (the job class's name), overriding the defaults each feature gives <see cref="JobRegistry.AddRecurringJob"/>.</summary>
    public Dictionary<string, string> Schedules { get; set; } = new();

    public int WorkerCount { get; set; } = 2;
}

public static class JobsSetup
{
    /// <summary>
    /// Hangfire on the database server's storage (SQL Server or PostgreSQL, so several instances share one queue),
    /// in memory for the embedded default. The storage is an instance in DI, never the static JobStorage.Current,
    /// so several app hosts can live in one process.
    /// </summary>
    public static WebApplicationBuilder AddJobs(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        builder.Services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section);
        builder.Services.AddSingleton<JobStorage>(sp =>
        {
            GlobalConfiguration.Configuration.UseLogProvider(HangfireLogging.Instance);
            var settings = sp.GetRequiredService<DatabaseSettings>();
            return settings.Dialect.CreateJobStorage(settings.ConnectionString);
        });
        builder.Services.AddHangfire((sp, c) => c
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(HangfireLogging.Instance)
            .UseStorage(sp.GetRequiredService<JobStorage>()));
        if (options.Server)
        {
            builder.Services.AddHangfireServer((sp, o) => o.WorkerCount = Math.Max(1, options.WorkerCount));
        }
        builder.Services.AddHostedService<RecurringJobRegistrar>();
        return builder;
    }

    /// <summary>The dashboard at <c>/hangfire</c>, for signed-in Operators only.</summary>
    public static WebApplication MapJobDashboard(this WebApplication app)
    {
        // Hangfire answers 401 to an anonymous visitor; a person is better served by the sign-in page.
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/hangfire") && http.User.Identity?.IsAuthenticated != true,
            branch => branch.Run(http => http.ChallengeAsync()));
        app.UseHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [new OperatorsOnly()],
            AppPath = "/",
            DashboardTitle = "SelfService jobs",
        }, app.Services.GetRequiredService<JobStorage>());
        return app;
    }

    private sealed class OperatorsOnly : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context)
        {
            var user = context.GetHttpContext().User;
            return user.Identity?.IsAuthenticated == true && user.IsInRole(Roles.Operator);
        }
    }
}

/// <summary>Registers every recurring job the features listed (<see cref="JobRegistry.AddRecurringJob"/>) with its schedule at start-up.</summary>
internal sealed class RecurringJobRegistrar(IRecurringJobManager manager, IEnumerable<JobRegistration> jobs, Microsoft.Extensions.Options.IOptions<JobsOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        foreach (var job in jobs)
        {
            var cron = options.Value.Schedules.GetValueOrDefault(job.Name, job.DefaultCron);
            job.Register(manager, cron);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
