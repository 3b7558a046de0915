using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace SelfService.Data;

/// <summary>One setting that is wrong: its name under the section (<c>RatePermits</c>) and what is wrong with it.</summary>
public readonly record struct SettingProblem(string Key, string Problem);

/// <summary>
/// Every options class is read and checked while the app is composed, before anything is migrated, seeded or served:
/// a value that does not convert, is out of range or contradicts another stops start-up with one
/// <see cref="ConfigurationProblem"/> line naming the setting. The same rules are registered with
/// <c>ValidateOnStart</c>, so options changed after composition are held to them too.
/// </summary>
public static partial class Settings
{
    /// <summary>Binds <paramref name="section"/> to <typeparamref name="T"/>, checks it with <paramref name="rules"/> and registers it as options.</summary>
    public static T AddCheckedOptions<T>(this WebApplicationBuilder builder, string section, Func<T, IEnumerable<SettingProblem>> rules)
        where T : class, new()
    {
        var value = Read<T>(builder.Configuration, section);
        foreach (var problem in rules(value))
            throw new ConfigurationProblem($"{section}:{problem.Key}", problem.Problem);
        builder.Services.AddOptions<T>().BindConfiguration(section)
            .Validate(o => !rules(o).Any(), $"{section} has an invalid setting.")
            .ValidateOnStart();
        return value;
    }

    /// <summary>Binds a section, turning a value that does not convert into a <see cref="ConfigurationProblem"/> that names it.</summary>
    public static T Read<T>(IConfiguration configuration, string section) where T : class, new()
    {
        try
        {
            return configuration.GetSection(section).Get<T>() ?? new T();
        }
        catch (InvalidOperationException e)
        {
            // "Failed to convert configuration value 'abc' at 'SelfService:Api:RatePermits' to type 'System.Int32'."
            var match = ConversionFailure().Match(e.Message + " " + e.InnerException?.Message);
            if (!match.Success) throw new ConfigurationProblem(section, $"cannot be read: {e.Message}");
            throw new ConfigurationProblem(match.Groups["key"].Value, $"must be {Describe(match.Groups["type"].Value)}, not '{match.Groups["value"].Value}'.");
        }
    }

    /// <summary>The rule "at least <paramref name="min"/>" (and at most <paramref name="max"/>) for a whole number.</summary>
    public static IEnumerable<SettingProblem> Range(string key, long value, long min, long max = long.MaxValue)
    {
        if (value < min || value > max)
            yield return new(key, max == long.MaxValue ? $"must be at least {min}, not {value}." : $"must be from {min} to {max}, not {value}.");
    }

    public static IEnumerable<SettingProblem> Positive(string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) yield return new(key, $"must be a positive time span such as 00:05:00 (hh:mm:ss) or 7.00:00:00 (days), not {value}.");
    }

    public static IEnumerable<SettingProblem> NotNegative(string key, TimeSpan? value)
    {
        if (value < TimeSpan.Zero) yield return new(key, $"must not be negative, not {value}.");
    }

    public static IEnumerable<SettingProblem> Required(string key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) yield return new(key, "must not be empty.");
    }

    private static string Describe(string type) => Regex.Replace(type, @"^System\.Nullable`1\[+([^,\]]+).*$", "$1") switch
    {
        "System.Int32" or "System.Int64" => "a whole number",
        "System.Boolean" => "true or false",
        "System.TimeSpan" => "a time span such as 00:05:00 (hh:mm:ss) or 7.00:00:00 (days)",
        "System.Double" or "System.Decimal" => "a number",
        _ => $"a {type.Split('.')[^1]}",
    };

    [GeneratedRegex("value '(?<value>[^']*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex ConversionFailure();
}
