using SelfService.Catalog;

namespace SelfService.Metering;

/// <summary>Where usage is heading by the end of the period, and when it reaches the cap, at the current rate.</summary>
public sealed record Forecast(double Projected, DateTime? CapReachedAt, bool ReachesCapBeforePeriodEnds);

public static class Forecaster
{
    /// <summary>
    /// Sum features: the average rate since the period began, carried to its end. Max and Latest features: the
    /// trend of the level over the last two weeks (least squares), carried forward. Null when there is too
    /// little to go on (less than an hour of the period, or fewer than two points).
    /// </summary>
    public static Forecast? For(Feature feature, double usage, long? cap, UsagePeriod period, DateTime now, IReadOnlyList<UsagePoint> recent)
    {
        if (feature.Aggregation == Aggregation.Sum)
        {
            var elapsed = (now - period.Start).TotalHours;
            if (elapsed < 1) return null;
            var rate = usage / elapsed;
            var projected = usage + rate * (period.End - now).TotalHours;
            DateTime? hit = null;
            if (cap is { } c && c > 0)
                hit = usage >= c ? now : rate > 0 ? now.AddHours((c - usage) / rate) : null;
            return new Forecast(projected, hit, hit is { } h && h < period.End);
        }

        var points = recent.Where(p => p.Start >= now.AddDays(-14)).ToList();
        if (points.Count < 2) return null;
        var x = points.Select(p => (p.Start - now).TotalHours).ToArray();
        var y = points.Select(p => p.Value).ToArray();
        double mx = x.Average(), my = y.Average();
        var den = x.Sum(v => (v - mx) * (v - mx));
        var slope = den == 0 ? 0 : x.Zip(y).Sum(t => (t.First - mx) * (t.Second - my)) / den;
        var projectedLevel = Math.Max(usage, usage + slope * (period.End - now).TotalHours);
        DateTime? reached = null;
        if (cap is { } limit && limit > 0)
            reached = usage >= limit ? now : slope > 0 ? now.AddHours((limit - usage) / slope) : null;
        return new Forecast(projectedLevel, reached, reached is { } r && r < period.End);
    }
}
