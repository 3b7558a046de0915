using System.Text.RegularExpressions;

namespace SelfService.Catalog;

public enum RegionMode { Only, Except }

/// <summary>
/// Where a source of an entitlement is valid: only in, or everywhere except, some places. A place is a country code
/// (ISO 3166-1 alpha-2) or a region's code; a region is resolved when the rule is judged, so editing a region changes
/// every rule that names it. Stored as <c>only:EU,GB</c> or <c>except:US</c>; no rule (null) means everywhere.
/// </summary>
public sealed record RegionRule(RegionMode Mode, IReadOnlyList<string> Places)
{
    public string Stored => $"{Word(Mode)}:{string.Join(',', Places)}";

    /// <summary>"only in EU, GB" or "everywhere except US", by codes (staff pages and audit).</summary>
    public string Short => (Mode == RegionMode.Only ? "only in " : "everywhere except ") + string.Join(", ", Places);

    public static string Word(RegionMode mode) => mode == RegionMode.Only ? "only" : "except";

    /// <summary>The rule a stored column holds; null for none (or for a value no code could have written).</summary>
    public static RegionRule? FromStored(string? stored)
    {
        if (string.IsNullOrWhiteSpace(stored)) return null;
        var colon = stored.IndexOf(':');
        if (colon < 0) return null;
        var mode = stored[..colon] switch { "only" => RegionMode.Only, "except" => (RegionMode?)RegionMode.Except, _ => null };
        if (mode is null) return null;
        var places = stored[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new RegionRule(mode.Value, places);
    }

    /// <summary>
    /// A rule from what a person or a machine wrote: each place a country code or a region code (any case). Adds an
    /// error per bad place to <paramref name="errors"/> and returns null when there is any, or when no place is named.
    /// </summary>
    public static RegionRule? Parse(RegionMode mode, IEnumerable<string?> places, IReadOnlyCollection<string> regionCodes, List<string> errors)
    {
        var kept = new List<string>();
        var before = errors.Count;
        foreach (var raw in places)
        {
            var place = raw?.Trim().ToUpperInvariant() ?? "";
            if (place.Length == 0) continue;
            if (regionCodes.Contains(place)) { if (!kept.Contains(place)) kept.Add(place); continue; }
            if (Countries.Normalize(place, out var error) is { } code) { if (!kept.Contains(code)) kept.Add(code); continue; }
            errors.Add(place.Length == 2 ? error! : $"'{raw}' is neither a country code nor a region ({string.Join(", ", regionCodes.Order(StringComparer.Ordinal))}).");
        }
        if (errors.Count > before) return null;
        if (kept.Count == 0)
        {
            errors.Add($"Name at least one country or region the rule '{Word(mode)}' applies to.");
            return null;
        }
        return new RegionRule(mode, kept);
    }
}

/// <summary>A named set of countries, such as the EU. <see cref="Name"/> is how it reads after "in": "the EU", "DACH".</summary>
public sealed record Region
{
    public required string Code { get; init; }
    public required string Name { get; init; }
    public string Countries { get; init; } = "";
    public DateTime CreatedAt { get; init; }

    public IReadOnlyList<string> CountryCodes => Countries.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Every region and the embargo list: what a region rule is judged against.</summary>
public sealed partial class RegionCatalog
{
    public static readonly RegionCatalog Empty = new([], []);

    private readonly Dictionary<string, HashSet<string>> _countries;

    public RegionCatalog(IEnumerable<Region> regions, IEnumerable<string> embargo)
    {
        Regions = regions.OrderBy(r => r.Code, StringComparer.Ordinal).ToList();
        _countries = Regions.ToDictionary(r => r.Code, r => r.CountryCodes.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        Embargo = embargo.ToHashSet(StringComparer.Ordinal);
    }

    public IReadOnlyList<Region> Regions { get; }
    public IReadOnlySet<string> Embargo { get; }
    public IReadOnlyCollection<string> RegionCodes => _countries.Keys;

    public Region? Region(string code) => Regions.FirstOrDefault(r => r.Code == code);

    public bool IsEmbargoed(string country) => Embargo.Contains(country);

    /// <summary>Whether <paramref name="place"/> (a country or a region's code) covers <paramref name="country"/>. An unknown region covers nothing.</summary>
    public bool Covers(string place, string country) =>
        place == country || (_countries.TryGetValue(place, out var set) && set.Contains(country));

    /// <summary>Whether a source with <paramref name="rule"/> counts in <paramref name="country"/>; no rule counts everywhere.</summary>
    public bool Allows(RegionRule? rule, string country) => rule switch
    {
        null => true,
        { Mode: RegionMode.Only } => rule.Places.Any(p => Covers(p, country)),
        _ => !rule.Places.Any(p => Covers(p, country)),
    };

    /// <summary>The countries a place stands for: itself for a country, the members for a region.</summary>
    public IReadOnlyList<string> CountriesOf(string place) =>
        _countries.TryGetValue(place, out var set) ? set.Order(StringComparer.Ordinal).ToList() : Catalog.Countries.IsAssigned(place) ? [place] : [];

    /// <summary>How a place reads after "in": "the EU", "the UK", "Germany".</summary>
    public string InSentence(string place) => Region(place)?.Name ?? Catalog.Countries.InSentence(place);

    /// <summary>"in the EU and the UK", "everywhere except the US", "everywhere".</summary>
    public string Describe(RegionRule? rule)
    {
        if (rule is null) return "everywhere";
        var places = Join(rule.Places.Select(InSentence).ToList());
        return rule.Mode == RegionMode.Only ? $"in {places}" : $"everywhere except {places}";
    }

    /// <summary>
    /// Where an entitlement with sources under <paramref name="rules"/> applies at all: "in the EU and the UK",
    /// "everywhere except the US", or null when some source counts everywhere (or the rules cover everywhere together).
    /// </summary>
    public string? DescribeWhere(IReadOnlyCollection<RegionRule?> rules)
    {
        if (rules.Count == 0 || rules.Any(r => r is null)) return null;
        var only = rules.Where(r => r!.Mode == RegionMode.Only).SelectMany(r => r!.Places).Distinct().ToList();
        var excepts = rules.Where(r => r!.Mode == RegionMode.Except).ToList();
        if (excepts.Count == 0) return $"in {Join(only.Select(InSentence).ToList())}";
        if (excepts.Count == 1 && only.Count == 0) return Describe(excepts[0]);
        // Allowed where any source allows: outside the countries every except-rule names, or inside an only-rule.
        var excluded = excepts
            .Select(r => r!.Places.SelectMany(CountriesOf).ToHashSet(StringComparer.Ordinal))
            .Aggregate((a, b) => { a.IntersectWith(b); return a; });
        excluded.RemoveWhere(c => only.Any(p => Covers(p, c)));
        return excluded.Count == 0 ? null : $"everywhere except {Join(excluded.Order(StringComparer.Ordinal).Select(InSentence).ToList())}";
    }

    private static string Join(IReadOnlyList<string> items) => items.Count switch
    {
        0 => "",
        1 => items[0],
        _ => string.Join(", ", items.Take(items.Count - 1)) + " and " + items[^1],
    };

    /// <summary>A region's code: upper-case letters, digits and dashes, 2 to 32 characters, and no assigned country code.</summary>
    [GeneratedRegex("^[A-Z][A-Z0-9-]{1,31}$")]
    public static partial Regex CodePattern();
}
