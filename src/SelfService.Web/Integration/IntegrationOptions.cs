using SelfService.Data;

namespace SelfService.Integration;

/// <summary>Settings of the integration API, under <c>SelfService:Integration</c>.</summary>
public sealed class IntegrationOptions
{
    public const string Section = "SelfService:Integration";

    /// <summary>How long an entitlement token is valid.</summary>
    public int TokenLifetimeMinutes { get; set; } = 15;

    /// <summary>The token's <c>iss</c> claim.</summary>
    public string Issuer { get; set; } = "selfservice";

    /// <summary>The token's <c>aud</c> claim: who the token is meant for (the vendor's apps).</summary>
    public string Audience { get; set; } = "selfservice-entitlements";

    /// <summary>A signing key older than this is replaced by the rotation job.</summary>
    public int SigningKeyRotationDays { get; set; } = 30;

    /// <summary>How long a provisioning response can be replayed under its <c>Idempotency-Key</c>.</summary>
    public int IdempotencyRetentionHours { get; set; } = 24;

    /// <summary>
    /// Where the Data Protection key ring (which protects the signing keys) lives. Empty: in the database, so every
    /// instance shares it. A folder keeps it apart from the data, e.g. on a mounted secret volume.
    /// </summary>
    public string? KeyRingFolder { get; set; }

    /// <summary>
    /// A PFX file (path relative to the content root) whose RSA certificate encrypts the key ring at rest. Without it the
    /// key ring rests unencrypted beside the data, and with it the signing keys it protects: set it outside development.
    /// </summary>
    public string? KeyRingCertificatePath { get; set; }

    /// <summary>The password of <see cref="KeyRingCertificatePath"/>, if it has one.</summary>
    public string? KeyRingCertificatePassword { get; set; }

    public TimeSpan TokenLifetime => TimeSpan.FromMinutes(TokenLifetimeMinutes);

    public static IEnumerable<SettingProblem> Check(IntegrationOptions o) =>
        Settings.Range(nameof(TokenLifetimeMinutes), o.TokenLifetimeMinutes, 1, 24 * 60)
            .Concat(Settings.Range(nameof(SigningKeyRotationDays), o.SigningKeyRotationDays, 1, 3650))
            .Concat(Settings.Range(nameof(IdempotencyRetentionHours), o.IdempotencyRetentionHours, 1, 24 * 365))
            .Concat(Settings.Required(nameof(Issuer), o.Issuer))
            .Concat(Settings.Required(nameof(Audience), o.Audience));
}
