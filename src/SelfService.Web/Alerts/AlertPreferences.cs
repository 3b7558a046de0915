using System.Globalization;
using Dapper;
using SelfService.Data;

namespace SelfService.Alerts;

/// <summary>One threshold a person chose: a share of the cap (<c>50%</c>) or a number of units (<c>5000</c>).</summary>
public readonly record struct AlertThreshold(decimal Value, bool IsPercent)
{
    /// <summary>How it is stored and shown: <c>50%</c>, <c>5000</c>.</summary>
    public override string ToString() => Value.ToString("0.##", CultureInfo.InvariantCulture) + (IsPercent ? "%" : "");

    public bool IsCrossed(decimal used, long cap) => IsPercent ? used * 100 >= cap * Value : used >= Value;
}

/// <summary>What one person (or, with <see cref="UserId"/> 0, the account by default) wants to hear about one metered feature.</summary>
public sealed record AlertPreference
{
    public long CustomerId { get; init; }
    public long UserId { get; init; }
    public long FeatureId { get; init; }
    public required string Thresholds { get; init; }
    public required string Channels { get; init; }

    public IReadOnlyList<AlertThreshold> ThresholdList => AlertPreferences.Parse(Thresholds, out _);
    public bool InPortal => Channels.Split(' ').Contains(AlertPreferences.Portal);
    public bool ByEmail => Channels.Split(' ').Contains(AlertPreferences.Email);
}

/// <summary>
/// The usage alerts each customer user chooses, per metered feature: thresholds and channels. Owners and Admins also set
/// the account's defaults (<see cref="AccountDefault"/>), which apply to everyone who has not chosen; without either the
/// vendor's thresholds (<c>SelfService:Metering:Thresholds</c>, 80 % and 100 %) apply, in the portal.
/// </summary>
public sealed class AlertPreferences(Db db, TimeProvider clock)
{
    public const long AccountDefault = 0;
    public const string Portal = "portal";
    public const string Email = "email";
    public const int MaxThresholds = 10;

    /// <summary>"50%, 80 %, 5000" → 50 %, 80 %, 5,000 units (sorted, without repeats); every problem in <paramref name="error"/>.</summary>
    public static IReadOnlyList<AlertThreshold> Parse(string? text, out string? error)
    {
        error = null;
        var list = new List<AlertThreshold>();
        foreach (var raw in (text ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            var token = raw.Trim();
            if (token == "%" && list.Count > 0 && !list[^1].IsPercent) { list[^1] = list[^1] with { IsPercent = true }; continue; } // "80 %"
            var percent = token.EndsWith('%');
            var number = percent ? token[..^1] : token;
            if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var value) || value <= 0)
            {
                error = $"\"{token}\" is not a threshold: write a share of the cap such as 50% or a number of units such as 5000.";
                return [];
            }
            list.Add(new AlertThreshold(value, percent));
        }
        foreach (var t in list)
            if (t.IsPercent && t.Value > 1000) error = $"{t} is too high: at most 1000%.";
        if (list.Distinct().Count() > MaxThresholds) error = $"At most {MaxThresholds} thresholds.";
        if (error is not null) return [];
        return list.Distinct().OrderBy(t => t.IsPercent ? 0 : 1).ThenBy(t => t.Value).ToList();
    }

    public static string Format(IEnumerable<AlertThreshold> thresholds) => string.Join(" ", thresholds.Select(t => t.ToString()));

    internal const string ForCustomerSql = """
        select CustomerId, UserId, FeatureId, Thresholds, Channels
          from AlertPreference
         where CustomerId = @customerId
           and (UserId = @userId or UserId = 0)
        """;

    /// <summary>The account's defaults and this person's own choices (<paramref name="userId"/> 0: the defaults only).</summary>
    public async Task<IReadOnlyList<AlertPreference>> ForUserAsync(long customerId, long userId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<AlertPreference>(new CommandDefinition(ForCustomerSql, new { customerId, userId }, cancellationToken: ct))).AsList();
    }

    internal string UpsertSql => db.Dialect.Upsert("AlertPreference", ["CustomerId", "UserId", "FeatureId", "Thresholds", "Channels", "UpdatedAt", "UpdatedBy"],
        ["CustomerId", "UserId", "FeatureId"], v => $"Thresholds = {v("Thresholds")}, Channels = {v("Channels")}, UpdatedAt = {v("UpdatedAt")}, UpdatedBy = {v("UpdatedBy")}");

    internal const string DeleteSql = "delete from AlertPreference where CustomerId = @customerId and UserId = @userId and FeatureId = @featureId";

    /// <summary>
    /// Saves one person's (or the account's) choices for each feature: null thresholds remove the choice, so the default
    /// applies again. Thresholds are <see cref="Parse"/>d by the caller.
    /// </summary>
    public async Task SaveAsync(long customerId, long userId, IReadOnlyList<(long FeatureId, IReadOnlyList<AlertThreshold>? Thresholds, bool Portal, bool Email)> choices,
        string actor, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.WriteAsync(async (c, tx) =>
        {
            foreach (var (featureId, thresholds, portal, email) in choices)
            {
                if (thresholds is null)
                {
                    await c.ExecuteAsync(DeleteSql, new { customerId, userId, featureId }, tx);
                    continue;
                }
                var channels = string.Join(' ', new[] { portal ? Portal : null, email ? Email : null }.OfType<string>());
                await c.ExecuteAsync(UpsertSql, new
                {
                    CustomerId = customerId, UserId = userId, FeatureId = featureId, Thresholds = Format(thresholds), Channels = channels,
                    UpdatedAt = now, UpdatedBy = actor,
                }, tx);
            }
        }, ct);
    }
}
