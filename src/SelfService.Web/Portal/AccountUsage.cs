using SelfService.Catalog;
using SelfService.Entitlements;
using SelfService.Metering;
using SelfService.Upgrades;

namespace SelfService.Portal;

public enum PeriodChoice { Current, Previous, Last12Months }

public enum PromptReason { None, NearCap, AtCap, ForecastReachesCap }

/// <summary>One Metered or Limit feature's usage in the current period against its cap, with forecast and prompt.</summary>
public sealed record FeatureUsage(
    Feature Feature,
    EffectiveEntitlement Entitlement,
    decimal Usage,
    Forecast? Forecast,
    PromptReason Prompt,
    UpgradeAdvice? Advice)
{
    /// <summary>The cheapest option that covers what is needed, if one does.</summary>
    public UpgradeOption? Upgrade => Advice?.Cheapest;

    public long? Cap => Entitlement.Limit;
    public bool Unlimited => Entitlement.Unlimited;

    /// <summary>Share of the cap used, as a percentage (null when unlimited or no cap).</summary>
    public decimal? Percent => Cap is > 0 ? Usage * 100 / Cap.Value : null;

    public bool IsPeriodic => Feature.Aggregation != Aggregation.Latest;
}

/// <summary>A feature the customer's product family offers but the customer lacks, and the cheapest way to unlock it.</summary>
public sealed record LockedFeature(Feature Feature, UpgradeOption? Unlock);

/// <summary>One point of a chart: the bucket's own usage and, for Sum features, the running total in its period.</summary>
public readonly record struct ChartPoint(DateTime Start, decimal Value, decimal Plotted);

public sealed record AccountUsageView(
    AccountEntitlements Account,
    UsagePeriod CurrentPeriod,
    DateTime RangeStart,
    DateTime RangeEnd,
    PeriodChoice Choice,
    Granularity Granularity,
    IReadOnlyList<FeatureUsage> Features,
    IReadOnlyList<LockedFeature> Locked,
    IReadOnlyDictionary<long, IReadOnlyList<ChartPoint>> Series,
    IReadOnlyList<int> Thresholds);

/// <summary>
/// Everything the customer's usage and overview pages show, from a fixed number of round trips whatever the
/// number of features or the length of history: the account, the catalog, this period's totals and the series.
/// </summary>
public sealed class AccountUsage(EntitlementService entitlements, CatalogStore catalog, UsageService usage, IConfiguration configuration,
    Microsoft.Extensions.Options.IOptions<MeteringOptions> metering)
{
    public IReadOnlyList<int> Thresholds =>
        configuration.GetSection("SelfService:Metering:Thresholds").Get<int[]>() is { Length: > 0 } t ? t.Order().ToArray() : [80, 100];

    public async Task<AccountUsageView?> LoadAsync(string customerKey, PeriodChoice choice, Granularity granularity, CancellationToken ct = default)
    {
        var account = await entitlements.ForCustomerAsync(customerKey, ct: ct);
        if (account is null) return null;
        var snapshot = await catalog.SnapshotAsync(ct);
        var now = account.At;
        var anchor = account.Subscription.BillingAnchorDay;
        var current = UsagePeriod.Containing(now, anchor);
        var (from, to) = choice switch
        {
            PeriodChoice.Previous => (current.Previous(anchor).Start, current.Start),
            PeriodChoice.Last12Months => (Enumerable.Range(0, 11).Aggregate(current, (p, _) => p.Previous(anchor)).Start, current.End),
            _ => (current.Start, current.End),
        };
        if (choice == PeriodChoice.Last12Months) granularity = Granularity.Day;
        // One series read serves the chart's range and the forecast, which looks at the last two weeks. It runs to the hour
        // holding the latest instant an event may carry (now + the future tolerance), as the headline counts those too.
        var seriesEnd = UsageService.Hour(now + metering.Value.FutureTolerance).AddHours(1);
        var seriesStart = from < now.AddDays(-14) ? from : now.AddDays(-14);

        var metered = account.Entitlements.Where(e => e.Feature.IsNumeric && e.HasAccess).ToList();
        var features = metered.Select(e => e.Feature).ToList();
        // One read at one watermark: the headline, the chart and the CSV count the same events.
        var (totals, series) = await usage.TotalsAndSeriesAsync(account.Customer.Id, account.AllFeatures, current.Start, current.End,
            features, seriesStart, seriesEnd, granularity, ct);

        var thresholds = Thresholds;
        var cards = new List<FeatureUsage>();
        foreach (var e in metered)
        {
            var used = totals.GetValueOrDefault(e.Feature.Id);
            var points = series.GetValueOrDefault(e.Feature.Id) ?? [];
            var forecast = e.Unlimited ? null : Forecaster.For(e.Feature, used, e.Limit, current, now, points);
            var prompt = PromptFor(used, e, forecast, thresholds);
            UpgradeAdvice? upgrade = null;
            if (prompt != PromptReason.None)
            {
                var needed = Math.Max(Math.Max(used, forecast?.Projected ?? 0), (e.Limit ?? 0) + 1);
                upgrade = UpgradeAdvisor.Advise(account, snapshot, e.Feature, needed, totals);
            }
            cards.Add(new FeatureUsage(e.Feature, e, used, forecast, prompt, upgrade));
        }

        var locked = Locked(account, snapshot, totals);

        var chart = new Dictionary<long, IReadOnlyList<ChartPoint>>();
        foreach (var f in features)
        {
            var points = (series.GetValueOrDefault(f.Id) ?? []).Where(p => p.Start >= from && p.Start < to).ToList();
            chart[f.Id] = f.Aggregation == Aggregation.Sum ? Cumulative(points, anchor) : points.Select(p => new ChartPoint(p.Start, p.Value, p.Value)).ToList();
        }
        return new AccountUsageView(account, current, from, to, choice, granularity, cards, locked, chart, thresholds);
    }

    /// <summary>The features the customer's product family offers but the customer lacks, with the cheapest unlock of each.</summary>
    public async Task<IReadOnlyList<LockedFeature>> LockedAsync(AccountEntitlements account, CancellationToken ct = default)
    {
        var snapshot = await catalog.SnapshotAsync(ct);
        var current = UsagePeriod.Containing(account.At, account.Subscription.BillingAnchorDay);
        var totals = await usage.TotalsAsync(account.Customer.Id, account.AllFeatures, current.Start, current.End, ct);
        return Locked(account, snapshot, totals);
    }

    private static List<LockedFeature> Locked(AccountEntitlements account, CatalogSnapshot snapshot, IReadOnlyDictionary<long, decimal> totals)
    {
        var offered = snapshot.FeaturesOfFamily(account.Plan.Family);
        var held = account.Entitlements.Where(e => e.HasAccess).Select(e => e.Feature.Id).ToHashSet();
        return account.AllFeatures.Where(f => offered.Contains(f.Id) && !held.Contains(f.Id))
            .Select(f => new LockedFeature(f, UpgradeAdvisor.CheapestToCover(account, snapshot, f, 1, totals)))
            .ToList();
    }

    private static PromptReason PromptFor(decimal used, EffectiveEntitlement e, Forecast? forecast, IReadOnlyList<int> thresholds)
    {
        if (e.Unlimited || e.Limit is not > 0) return PromptReason.None;
        var percent = used * 100 / e.Limit.Value;
        if (percent >= 100) return PromptReason.AtCap;
        if (percent >= thresholds[0]) return PromptReason.NearCap;
        if (forecast?.ReachesCapBeforePeriodEnds == true && e.Feature.Aggregation == Aggregation.Sum) return PromptReason.ForecastReachesCap;
        return PromptReason.None;
    }

    /// <summary>A Sum feature is drawn as its running total within each period, so it meets the cap line where the cap is reached.</summary>
    private static List<ChartPoint> Cumulative(IReadOnlyList<UsagePoint> points, int anchor)
    {
        var result = new List<ChartPoint>(points.Count);
        UsagePeriod? period = null;
        decimal running = 0;
        foreach (var p in points)
        {
            if (period is null || !period.Value.Contains(p.Start)) { period = UsagePeriod.Containing(p.Start, anchor); running = 0; }
            running += p.Value;
            result.Add(new ChartPoint(p.Start, p.Value, running));
        }
        return result;
    }
}
