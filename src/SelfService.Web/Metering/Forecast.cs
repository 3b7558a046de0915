using SelfService.Catalog;

namespace SelfService.Metering;

/// <summary>Where usage is heading by the end of the period, and when it reaches the cap, at the current rate.</summary>
public sealed record Forecast(decimal Projected, DateTime? CapReachedAt, bool ReachesCapBeforePeriodEnds);

public static class Forecaster
{
    /// <summary>
    /// Sum features: the average rate since the period began, carried to its end. Max and Latest features: the
    /// trend of the level over the last two weeks (least squares), carried forward. Null when there is too
    /// little to go on (less than an hour of the period, or fewer than two points).
    /// </summary>
    public static Forecast? For(Feature feature, decimal usage, long? cap, UsagePeriod period, DateTime now, IReadOnlyList<UsagePoint> recent)
    {
        // A projection is an estimate: it is worked out in binary floating point and rounded to 6 places. What is
        // compared with the cap now (reached or not) is the exact usage.
        var used = (double)usage;
        if (feature.Aggregation == Aggregation.Sum)
        {
            var elapsed = (now - period.Start).TotalHours;
            if (elapsed < 1) return null;
            var rate = used / elapsed;
            var projected = used + rate * (period.End - now).TotalHours;
            DateTime? hit = null;
            if (cap is { } c && c > 0)
                hit = usage >= c ? now : rate > 0 ? At(now, (c - used) / rate, period) : null;
            return new Forecast(Estimate(projected, usage), hit, hit is { } h && h < period.End);
        }

        var points = recent.Where(p => p.Start >= now.AddDays(-14)).ToList();
        if (points.Count < 2) return null;
        var x = points.Select(p => (p.Start - now).TotalHours).ToArray();
        var y = points.Select(p => (double)p.Value).ToArray();
        double mx = x.Average(), my = y.Average();
        var den = x.Sum(v => (v - mx) * (v - mx));
        var slope = den == 0 ? 0 : x.Zip(y).Sum(t => (t.First - mx) * (t.Second - my)) / den;
        var projectedLevel = Math.Max(used, used + slope * (period.End - now).TotalHours);
        DateTime? reached = null;
        if (cap is { } limit && limit > 0)
            reached = usage >= limit ? now : slope > 0 ? At(now, (limit - used) / slope, period) : null;
        return new Forecast(Estimate(projectedLevel, usage), reached, reached is { } r && r < period.End);
    }

    private static decimal Estimate(double projected, decimal atLeast) =>
        projected >= (double)decimal.MaxValue / 2 ? decimal.MaxValue / 2 : Math.Max(atLeast, Math.Round((decimal)projected, 6));

    // Hours far beyond any period (a tiny rate) would overflow a DateTime; anything past the period reads as "not this period".
    private static DateTime At(DateTime now, double hours, UsagePeriod period) =>
        hours > (period.End - now).TotalHours + 24 * 366 ? period.End.AddYears(1) : now.AddHours(hours);
}
