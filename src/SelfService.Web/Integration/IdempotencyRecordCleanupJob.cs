using SelfService.Jobs;

namespace SelfService.Integration;

/// <summary>Forgets idempotency records past their retention window (they already no longer replay).</summary>
public sealed class IdempotencyRecordCleanupJob(IdempotentWrites writes, ILogger<IdempotencyRecordCleanupJob> logger) : IRecurringJob
{
    public async Task Execute(CancellationToken ct)
    {
        var purged = await writes.PurgeExpiredAsync(ct);
        if (purged > 0) logger.LogInformation("Purged {Count} expired idempotency records", purged);
    }
}
