namespace SelfService.Webhooks;

public sealed class WebhookOptions
{
    public const string Section = "SelfService:Webhooks";

    /// <summary>
    /// Let deliveries reach loopback, link-local and private addresses. Off by default, so that an endpoint cannot be
    /// used to probe the vendor's own network; tests turn it on for their loopback receiver.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How long a delivery is retried, with exponential back-off, before it is given up.</summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromDays(1);

    /// <summary>An endpoint whose deliveries have all failed for this long is disabled, with a notice.</summary>
    public TimeSpan DisableAfterFailingFor { get; set; } = TimeSpan.FromDays(1);

    /// <summary>After a secret is rotated, the previous one keeps signing (a second signature) this long.</summary>
    public TimeSpan SecretOverlap { get; set; } = TimeSpan.FromHours(24);

    public static IEnumerable<SelfService.Data.SettingProblem> Check(WebhookOptions o) =>
        SelfService.Data.Settings.Positive(nameof(RetryFor), o.RetryFor)
            .Concat(SelfService.Data.Settings.Positive(nameof(DisableAfterFailingFor), o.DisableAfterFailingFor))
            .Concat(SelfService.Data.Settings.NotNegative(nameof(SecretOverlap), o.SecretOverlap));
}
