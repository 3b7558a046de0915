using Hangfire;

namespace SelfService.Jobs;

/// <summary>A recurring job: a plain class with <c>Execute(CancellationToken)</c>, named after the class.</summary>
public interface IRecurringJob
{
    Task Execute(CancellationToken ct);
}

public sealed record JobRegistration(Type Type, string Name, string DefaultCron, Action<IRecurringJobManager, string> Register);

/// <summary>The one place recurring jobs are listed. Schedules: <c>SelfService:Jobs:Schedules:{JobName}</c>.</summary>
public static class JobRegistry
{
    public static readonly IReadOnlyList<JobRegistration> Jobs =
    [
        Job<SelfService.Requests.ExpireGrantsJob>("*/5 * * * *"),
        Job<SelfService.Requests.ExpireStaleRequestsJob>(Cron.Hourly()),
        Job<SelfService.Requests.GrantEndingReminderJob>(Cron.Hourly()),
        Job<SelfService.Integration.SigningKeyRotationJob>(Cron.Daily(3)),
        Job<SelfService.Integration.IdempotencyRecordCleanupJob>(Cron.Hourly(17)),
        Job<SelfService.Metering.UsageRollupJob>(Cron.Minutely()),
        Job<SelfService.Mail.MailDeliveryJob>(Cron.Minutely()),
        Job<SelfService.Webhooks.WebhookDeliveryJob>(Cron.Minutely()),
    ];

    private static JobRegistration Job<TJob>(string cron) where TJob : IRecurringJob =>
        new(typeof(TJob), typeof(TJob).Name, cron,
            (manager, schedule) => manager.AddOrUpdate<TJob>(typeof(TJob).Name, job => job.Execute(CancellationToken.None), schedule,
                new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc }));
}
