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
