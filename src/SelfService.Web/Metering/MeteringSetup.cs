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

    /// <summary>
    /// Whether an event whose <c>country</c> the feature is not allowed in (for that customer, as the check would answer
    /// for that country: region-not-allowed or embargoed) is stored anyway. Default false: the batch is refused with a 400 naming the event.
    /// </summary>
    public bool AcceptUsageOutsideRegions { get; set; }

    public IReadOnlyList<int> EffectiveThresholds => Thresholds is { Length: > 0 } t ? t.Distinct().Order().ToArray() : [80, 100];

    public static IEnumerable<SettingProblem> Check(MeteringOptions o)
    {
        foreach (var p in Settings.Positive(nameof(LatenessWindow), o.LatenessWindow)) yield return p;
        foreach (var p in Settings.NotNegative(nameof(FutureTolerance), o.FutureTolerance)) yield return p;
        foreach (var p in Settings.NotNegative(nameof(RollupSafetyLag), o.RollupSafetyLag)) yield return p;
        if (o.Retention < o.MinimumRetention)
            yield return new(nameof(Retention), $"must not be shorter than {Section}:LatenessWindow + {Section}:FutureTolerance + the rollup's " +
                $"safety lag ({o.MinimumRetention}), not {o.Retention}: an event's id is kept only as long as its raw event, so a retry " +
                "accepted after its event was pruned would count twice.");
        if (o.Thresholds?.Any(t => t is <= 0 or > 1000) == true)
            yield return new(nameof(Thresholds), "are percentages of a cap from 1 to 1000.");
        foreach (var p in Settings.Range(nameof(MaxEventsPerRequest), o.MaxEventsPerRequest, 1, 100_000)) yield return p;
        foreach (var p in Settings.Range(nameof(MaxRequestBytes), o.MaxRequestBytes, 1024, 256 << 20)) yield return p;
        foreach (var p in Settings.Range(nameof(RollupChunk), o.RollupChunk, 1)) yield return p;
    }

    public TimeSpan SafetyLagFor(SqlDialect dialect) => RollupSafetyLag ?? dialect.RollupSafetyLag;

    /// <summary>
    /// The shortest retention under which a retried event is always recognised: it may first arrive a
    /// <see cref="FutureTolerance"/> before its timestamp and be retried until a <see cref="LatenessWindow"/> after it, and
    /// the rollup may hold it back by its safety lag (a database server's minute unless <see cref="RollupSafetyLag"/> says otherwise).
    /// </summary>
    public TimeSpan MinimumRetention => LatenessWindow + FutureTolerance + (RollupSafetyLag ?? TimeSpan.FromMinutes(1));
}

public static class MeteringSetup
{
    /// <summary>Usage ingestion, the rollup (every minute), usage reads and threshold crossings. Called in web and worker mode alike.</summary>
    public static WebApplicationBuilder AddMetering(this WebApplicationBuilder builder)
    {
        builder.AddCheckedOptions<MeteringOptions>(MeteringOptions.Section, MeteringOptions.Check);
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
