using Hangfire;
using Microsoft.Extensions.Options;
using SelfService.Api;
using SelfService.Data;
using SelfService.Jobs;

namespace SelfService.Metering;

public sealed class MeteringOptions
{
    public const string Section = "SelfService:Metering";

    /// <summary>How late an event may arrive: older timestamps reject the batch.</summary>
    public TimeSpan LatenessWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How far ahead of the server's clock a timestamp may be.</summary>
    public TimeSpan FutureTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long raw events (and so their ids, for dedup) are kept after they were received and rolled up.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(35);

    /// <summary>Shares of a cap, in percent, at which a crossing is recorded and the customer notified.</summary>
    public int[]? Thresholds { get; set; }

    public int MaxEventsPerRequest { get; set; } = 1_000;

    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>The most events one rollup transaction folds; a run loops until it has caught up.</summary>
    public int RollupChunk { get; set; } = 1_000_000;

    /// <summary>
    /// The rollup folds only events received at least this long ago. Unset: the database's own
    /// (<see cref="SqlDialect.RollupSafetyLag"/>: none on SQLite, one minute on SQL Server and PostgreSQL; see <see cref="UsageRollup"/>).
    /// </summary>
    public TimeSpan? RollupSafetyLag { get; set; }

    public IReadOnlyList<int> EffectiveThresholds => Thresholds is { Length: > 0 } t ? t.Distinct().Order().ToArray() : [80, 100];

    public TimeSpan SafetyLagFor(SqlDialect dialect) => RollupSafetyLag ?? dialect.RollupSafetyLag;
}

public static class MeteringSetup
{
    /// <summary>Usage ingestion, the rollup (every minute), usage reads and threshold crossings. Called in web and worker mode alike.</summary>
    public static WebApplicationBuilder AddMetering(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MeteringOptions>()
            .BindConfiguration(MeteringOptions.Section)
            .Validate(o => o.LatenessWindow > TimeSpan.Zero, $"{MeteringOptions.Section}:LatenessWindow must be positive.")
            .Validate(o => o.Retention >= o.LatenessWindow,
                $"{MeteringOptions.Section}:Retention must not be shorter than {MeteringOptions.Section}:LatenessWindow " +
                "(a retried event older than the retention would otherwise count twice).")
            .Validate(o => o.EffectiveThresholds.All(t => t is > 0 and <= 1000), $"{MeteringOptions.Section}:Thresholds are percentages between 1 and 1000.")
            .Validate(o => o.MaxEventsPerRequest > 0 && o.MaxRequestBytes > 0 && o.RollupChunk > 0, $"{MeteringOptions.Section}: limits must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<MeteringLookup>();
        builder.Services.AddSingleton<UsageIngestion>();
        builder.Services.AddSingleton<UsageRollup>();
        builder.Services.AddSingleton<ThresholdMonitor>();
        builder.Services.AddSingleton<UsageService>();
        builder.Services.AddRecurringJob<UsageRollupJob>(Cron.Minutely());
        return builder;
    }

    /// <summary><c>POST /api/v1/usage</c>.</summary>
    public static WebApplication MapMetering(this WebApplication app)
    {
        app.MapApiV1().MapUsageIngestion();
        return app;
    }
}
