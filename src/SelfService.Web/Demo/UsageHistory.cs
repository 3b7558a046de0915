using System.Data.Common;
using SelfService.Data;
using SelfService.Metering;

namespace SelfService.Demo;

/// <summary>
/// Realistic rolled-up usage for the demo: a working-day rhythm, quieter weekends, steady growth, noise
/// and one spike, generated into hourly buckets up to the current hour.
/// </summary>
internal sealed class UsageHistory(SqlDialect dialect, DateTime now, int months)
{
    private readonly DateTime _start = new DateTime(now.Year, now.Month, now.Day, 0, 0, 0, DateTimeKind.Utc).AddMonths(-months);
    private readonly DateTime _currentHour = new(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc);

    private static readonly string[] Columns = ["CustomerId", "FeatureId", "HourStart", "Total", "Peak", "LatestAt", "LatestValue", "EventCount"];

    private sealed record Bucket(long CustomerId, long FeatureId, DateTime HourStart, decimal Total, decimal Peak, DateTime LatestAt, decimal LatestValue, long EventCount);

    private IEnumerable<DateTime> Hours()
    {
        for (var h = _start; h < _currentHour; h = h.AddHours(1)) yield return h;
    }

    /// <summary>Sum-aggregated usage scaled so that the current period so far adds up to <paramref name="currentPeriodTotal"/>.</summary>
    public async Task Sum(DbConnection c, DbTransaction tx, long customerId, long featureId, UsagePeriod period, long currentPeriodTotal, bool spike)
    {
        var random = new Random((int)(customerId * 7919 + featureId));
        var spikeDay = _currentHour.Date.AddDays(-40);
        var weights = Hours().Select(h =>
        {
            var workday = h.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0.35 : 1.0;
            var daily = 0.25 + Math.Exp(-Math.Pow((h.Hour - 14) / 4.0, 2));
            var growth = 1 + 0.05 * (h - _start).TotalDays / 30;
            var noise = 0.8 + 0.4 * random.NextDouble();
            var burst = spike && h.Date == spikeDay ? 4.0 : 1.0;
            return (Hour: h, Weight: workday * daily * growth * noise * burst);
        }).ToList();
        var inPeriod = weights.Where(w => period.Contains(w.Hour)).Sum(w => w.Weight);
        var scale = inPeriod > 0 ? currentPeriodTotal / inPeriod : 0;

        var buckets = new List<Bucket>(weights.Count);
        long assigned = 0;
        var lastInPeriod = weights.LastOrDefault(w => period.Contains(w.Hour)).Hour;
        foreach (var (hour, weight) in weights)
        {
            var q = (long)Math.Round(weight * scale);
            if (period.Contains(hour))
            {
                // Land exactly on the intended total for the current period.
                if (hour == lastInPeriod) q = Math.Max(0, currentPeriodTotal - assigned);
                assigned += q;
            }
            if (q > 0) buckets.Add(new Bucket(customerId, featureId, hour, q, q, hour.AddMinutes(59), q, Math.Max(1, q / 25)));
        }
        await dialect.InsertManyAsync(c, tx, "UsageHourly", Columns, buckets);
    }

    /// <summary>A peak-per-period value (storage, streams) growing from <paramref name="from"/> to <paramref name="to"/>, one reading a day.</summary>
    public Task Max(DbConnection c, DbTransaction tx, long customerId, long featureId, double from, double to) =>
        Daily(c, tx, customerId, featureId, from, to, wholeNumbers: false);

    /// <summary>A current-level value (seats in use) moving from <paramref name="from"/> to <paramref name="to"/>, one reading a day.</summary>
    public Task Latest(DbConnection c, DbTransaction tx, long customerId, long featureId, double from, double to) =>
        Daily(c, tx, customerId, featureId, from, to, wholeNumbers: true);

    private async Task Daily(DbConnection c, DbTransaction tx, long customerId, long featureId, double from, double to, bool wholeNumbers)
    {
        var random = new Random((int)(customerId * 104729 + featureId));
        var days = Math.Max(1, (int)(_currentHour - _start).TotalDays);
        var buckets = new List<Bucket>(days + 1);
        for (var d = 0; d <= days; d++)
        {
            var hour = _start.AddDays(d).AddHours(15);
            if (hour >= _currentHour) hour = _currentHour;
            var progress = (double)d / days;
            var value = from + (to - from) * progress + (to - from) * 0.03 * (random.NextDouble() - 0.5);
            value = wholeNumbers ? Math.Round(value) : Math.Round(value, 1);
            if (d == days) value = to;
            var exact = Math.Round((decimal)value, 1);
            buckets.Add(new Bucket(customerId, featureId, hour, exact, exact, hour, exact, 1));
            if (hour == _currentHour) break;
        }
        await dialect.InsertManyAsync(c, tx, "UsageHourly", Columns, buckets);
    }
}
