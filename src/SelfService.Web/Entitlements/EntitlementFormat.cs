using System.Globalization;
using SelfService.Catalog;

namespace SelfService.Entitlements;

/// <summary>How entitlement values and windows read to a person.</summary>
public static class EntitlementFormat
{
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    public static string Value(Feature feature, EntitlementValue value)
    {
        if (feature.Kind == FeatureKind.Boolean) return value.Grants ? "Included" : "Not included";
        if (value.Unlimited) return "Unlimited";
        return Quantity(feature, value.Amount ?? 0);
    }

    public static string Quantity(Feature feature, decimal amount) =>
        feature.Unit is { Length: > 0 } unit ? $"{Number(amount)} {(amount == 1 ? Singular(unit) : unit)}" : Number(amount);

    /// <summary>Units are written plural in the catalog ("streams", "members", "GB"); one of them reads "1 stream".</summary>
    public static string Singular(string unit)
    {
        if (unit.Length < 3 || !char.IsLower(unit[^1])) return unit; // GB, TB, ms: units, not words
        if (unit.EndsWith("ies", StringComparison.Ordinal)) return unit[..^3] + "y";
        if (unit.EndsWith("sses", StringComparison.Ordinal) || unit.EndsWith("xes", StringComparison.Ordinal) || unit.EndsWith("ches", StringComparison.Ordinal) || unit.EndsWith("shes", StringComparison.Ordinal)) return unit[..^2];
        if (unit.EndsWith('s') && !unit.EndsWith("ss", StringComparison.Ordinal)) return unit[..^1];
        return unit;
    }

    /// <summary>
    /// A quantity as a person reads it, grouped by thousands, with every digit kept: usage is an exact decimal of at
    /// most 6 places, so the page says what the API and the CSV say (1,000,000,000,000,001,368; 9,999.9).
    /// </summary>
    public static string Number(decimal amount) => Data.Quantities.Normalize(amount).ToString("#,0.######", Culture);

    /// <summary>A share of a cap in whole percent, never "100 %" before the cap is reached (99.7 % reads 99 %).</summary>
    public static string Percent(decimal percent)
    {
        var shown = Math.Round(percent, MidpointRounding.AwayFromZero);
        if (shown >= 100 && percent < 100) shown = 99;
        return shown.ToString("0", Culture) + " %";
    }

    /// <summary>What one source adds, as in "+10 members" or "25 members" for the plan.</summary>
    public static string Contribution(Feature feature, EntitlementSource source)
    {
        if (feature.Kind == FeatureKind.Boolean) return source.Value.Grants ? "Included" : "Not included";
        var value = Value(feature, source.Contribution);
        return source.Kind == SourceKind.Plan || source.Contribution.Unlimited ? value : "+" + value;
    }

    /// <summary>"permanent", "ends in 3 days", "starts in 2 hours" or "ended 4 days ago" relative to <paramref name="now"/>.</summary>
    public static string Window(DateTime? from, DateTime? until, DateTime now)
    {
        if (from is { } f && now < f) return "starts " + Relative(f, now);
        if (until is null) return "permanent";
        return until > now ? "ends " + Relative(until.Value, now) : "ended " + Relative(until.Value, now);
    }

    public static string Relative(DateTime at, DateTime now)
    {
        var span = at - now;
        var future = span > TimeSpan.Zero;
        var abs = span.Duration();
        string amount = abs.TotalDays >= 2 ? Plural((int)Math.Round(abs.TotalDays), "day")
            : abs.TotalHours >= 2 ? Plural((int)Math.Round(abs.TotalHours), "hour")
            : abs.TotalMinutes >= 2 ? Plural((int)Math.Round(abs.TotalMinutes), "minute")
            : future ? "less than a minute" // "ends in a moment" read as no time at all
            : "a moment";
        return future ? $"in {amount}" : $"{amount} ago";
    }

    public static string Date(DateTime at) => at.ToString("d MMM yyyy, HH:mm 'UTC'", Culture);

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";
}
