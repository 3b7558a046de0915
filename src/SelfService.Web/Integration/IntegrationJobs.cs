using SelfService.Jobs;

namespace SelfService.Integration;

/// <summary>Replaces the token-signing key when it is older than <c>SigningKeyRotationDays</c>; the old public key stays published until its tokens expire.</summary>
public sealed class SigningKeyRotationJob(SigningKeyStore keys, ILogger<SigningKeyRotationJob> logger) : IRecurringJob
{
    public async Task Execute(CancellationToken ct)
    {
        if (await keys.RotateIfDueAsync(ct)) logger.LogInformation("Rotated the entitlement-token signing key");
    }
}

/// <summary>Forgets idempotency records past their retention window (they already no longer replay).</summary>
public sealed class IdempotencyRecordCleanupJob(IdempotentWrites writes, ILogger<IdempotencyRecordCleanupJob> logger) : IRecurringJob
{
    public async Task Execute(CancellationToken ct)
    {
        var purged = await writes.PurgeExpiredAsync(ct);
        if (purged > 0) logger.LogInformation("Purged {Count} expired idempotency records", purged);
    }
}
