using SelfService.Jobs;

namespace SelfService.Metering;

/// <summary>The recurring job (every minute by default): <see cref="UsageRollup.RunAsync"/>.</summary>
public sealed class UsageRollupJob(UsageRollup rollup) : IRecurringJob
{
    public Task Execute(CancellationToken ct) => rollup.RunAsync(ct);
}
