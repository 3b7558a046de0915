using Hangfire;

namespace SelfService.Jobs;

/// <summary>A recurring job: a plain class with <c>Execute(CancellationToken)</c>, named after the class.</summary>
public interface IRecurringJob
{
    Task Execute(CancellationToken ct);
}

public sealed record JobRegistration(Type Type, string Name, string DefaultCron, Action<IRecurringJobManager, string> Register);

/// <summary>
/// How a feature lists its recurring jobs, in its own <c>AddXxx()</c>; the registrar schedules every one listed.
/// Schedules: <c>SelfService:Jobs:Schedules:{JobName}</c> overrides the default cron.
/// </summary>
public static class JobRegistry
{
    public static IServiceCollection AddRecurringJob<TJob>(this IServiceCollection services, string cron) where TJob : class, IRecurringJob
    {
        services.AddTransient<TJob>();
        services.AddSingleton(new JobRegistration(typeof(TJob), typeof(TJob).Name, cron,
            (manager, schedule) => manager.AddOrUpdate<TJob>(typeof(TJob).Name, job => job.Execute(CancellationToken.None), schedule,
                new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc })));
        return services;
    }
}
