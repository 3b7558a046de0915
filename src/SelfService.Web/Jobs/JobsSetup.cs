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

    public static IEnumerable<SettingProblem> Check(JobsOptions o)
    {
        foreach (var p in Settings.Range(nameof(WorkerCount), o.WorkerCount, 1, 100)) yield return p;
        // Schedules naming no job are found once every feature has listed its jobs: JobsSetup.CheckSchedules.
        foreach (var (name, cron) in o.Schedules)
        {
            if (string.IsNullOrWhiteSpace(cron) || cron.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length is not (5 or 6))
                yield return new($"Schedules:{name}", $"must be a cron expression such as '*/5 * * * *', not '{cron}'.");
        }
    }
}

public static class JobsSetup
{
    private static readonly Lock FilterLock = new();

    /// <summary>After every feature has listed its jobs: a schedule that names no job stops start-up, naming the setting.</summary>
    public static WebApplicationBuilder CheckJobSchedules(this WebApplicationBuilder builder)
    {
        var jobs = builder.Services.Where(d => d.ServiceType == typeof(JobRegistration)).Select(d => ((JobRegistration)d.ImplementationInstance!).Name).ToList();
        var options = Settings.Read<JobsOptions>(builder.Configuration, JobsOptions.Section);
        foreach (var name in options.Schedules.Keys.Where(n => !jobs.Contains(n)))
            throw new ConfigurationProblem($"{JobsOptions.Section}:Schedules:{name}", $"names no job; the jobs are {string.Join(", ", jobs)}.");
        return builder;
    }

    /// <summary>
    /// Hangfire on the database server's storage (SQL Server or PostgreSQL, so several instances share one queue),
    /// in memory for the embedded default. The storage is an instance in DI, never the static JobStorage.Current,
    /// so several app hosts can live in one process.
    /// </summary>
    public static WebApplicationBuilder AddJobs(this WebApplicationBuilder builder)
    {
        if (Web.AppComposition.IsWorker(builder.Configuration)
            && !DatabaseSettings.FromConfiguration(builder.Configuration, builder.Environment.ContentRootPath).IsServer)
            throw new ConfigurationProblem("SelfService:Mode",
                $"is Worker, which needs a shared database server ({DatabaseSettings.PostgreSqlSetting} or {DatabaseSettings.SqlServerSetting}): " +
                "on SQLite every process keeps its own in-memory job queue, so a worker would share no work with the web instances.");
        var options = builder.AddCheckedOptions<JobsOptions>(JobsOptions.Section, JobsOptions.Check);
        builder.Services.AddSingleton<JobStorage>(sp =>
        {
            GlobalConfiguration.Configuration.UseLogProvider(HangfireLogging.Instance);
            HangfireLogging.Attach(sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<IHostApplicationLifetime>());
            var settings = sp.GetRequiredService<DatabaseSettings>();
            return settings.Dialect.CreateJobStorage(settings.ConnectionString);
        });
        builder.Services.AddHangfire((sp, c) =>
        {
            c.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings()
                .UseLogProvider(HangfireLogging.Instance)
                .UseStorage(sp.GetRequiredService<JobStorage>());
            // Hangfire's filters are process-wide and their list is not thread-safe: one instance, added once, by the first
            // host to start (hosts may start at the same time, as test apps do).
            lock (FilterLock)
            {
                if (!GlobalJobFilters.Filters.Any(f => ReferenceEquals(f.Instance, JobRunLogging.Instance))) c.UseFilter(JobRunLogging.Instance);
            }
        });
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
