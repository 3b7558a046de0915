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

    public static string Quantity(Feature feature, double amount) =>
        feature.Unit is { Length: > 0 } unit ? $"{Number(amount)} {unit}" : Number(amount);

    public static string Number(double amount) =>
        amount.ToString(amount == Math.Floor(amount) ? "#,0" : "#,0.##", Culture);

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
            : "a moment";
        return future ? $"in {amount}" : $"{amount} ago";
    }

    public static string Date(DateTime at) => at.ToString("d MMM yyyy, HH:mm 'UTC'", Culture);

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";
}
