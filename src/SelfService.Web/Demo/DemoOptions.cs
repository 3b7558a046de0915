using SelfService.Data;

namespace SelfService.Demo;

public sealed class DemoOptions
{
    public const string Section = "SelfService:Demo";
    public const string DefaultPassword = "demo-pass-2026";

    /// <summary>Seed the demo on an empty database. Unset: on for the embedded SQLite default, off for SQL Server.</summary>
    public bool? Seed { get; set; }

    /// <summary>The one password of every demo user.</summary>
    public string? Password { get; set; }

    /// <summary>The demo API key (ss_{prefix}_{secret}); generated and printed once when unset.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Months of usage history to generate.</summary>
    public int HistoryMonths { get; set; } = 6;

    public static IEnumerable<SettingProblem> Check(DemoOptions o)
    {
        if (!string.IsNullOrEmpty(o.ApiKey) && !SelfService.Api.ApiKeyStore.IsWellFormed(o.ApiKey))
            yield return new(nameof(ApiKey), "must look like ss_{prefix}_{secret}: a prefix of 6 to 32 characters and a secret of at least 16, with no other '_'.");
        foreach (var p in Settings.Range(nameof(HistoryMonths), o.HistoryMonths, 0, 36)) yield return p;
    }
}
