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

    /// <summary>
    /// Sum-aggregated usage, each period scaled on its own so that the history looks like a real customer's: the current
    /// period so far adds up to <paramref name="currentPeriodTotal"/>; each full past period ends at a share of
    /// <paramref name="cap"/> that grows towards this period's pace, mostly under the cap; with <paramref name="spike"/>,
    /// the period of the one busy day (40 days ago) goes over the cap — the overage the demo's story needs.
    /// </summary>
    public async Task Sum(DbConnection c, DbTransaction tx, long customerId, long featureId, UsagePeriod period, int anchorDay,
        long cap, long currentPeriodTotal, bool spike)
    {
        var random = new Random((int)(customerId * 7919 + featureId));
        var spikeDay = _currentHour.Date.AddDays(-40);
        var weights = Hours().Select(h =>
        {
            var workday = h.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0.35 : 1.0;
            var daily = 0.25 + Math.Exp(-Math.Pow((h.Hour - 14) / 4.0, 2));
            var noise = 0.8 + 0.4 * random.NextDouble();
            var burst = spike && h.Date == spikeDay ? 4.0 : 1.0;
            return (Hour: h, Weight: workday * daily * noise * burst);
        }).ToList();

        // This period's pace carried to a full period: where past periods were heading, a little lower each month back.
        var elapsed = Math.Max(1.0, (_currentHour - period.Start).TotalHours);
        var pace = currentPeriodTotal * (period.End - period.Start).TotalHours / elapsed;
        var level = Math.Clamp(pace / Math.Max(1, cap), 0.45, 0.92);

        var buckets = new List<Bucket>(weights.Count);
        foreach (var group in weights.GroupBy(w => UsagePeriod.Containing(w.Hour, anchorDay)))
        {
            var monthsBack = 0;
            for (var p = group.Key; p.Start < period.Start; p = p.Next(anchorDay)) monthsBack++;
            var target = monthsBack == 0 ? currentPeriodTotal
                : (long)Math.Round(cap * (group.Any(w => w.Hour.Date == spikeDay && spike)
                    ? 1.08 // the busy day tipped that period over the cap
                    : level * Math.Pow(0.93, monthsBack) * (0.97 + 0.06 * random.NextDouble())));
            // A period the history only starts part-way through gets the share of it that the history covers.
            var full = (group.Key.End - group.Key.Start).TotalHours;
            var covered = group.Count();
            if (monthsBack > 0 && covered < full) target = (long)Math.Round(target * covered / full);
            var sum = group.Sum(w => w.Weight);
            long assigned = 0;
            var last = group.Last().Hour;
            foreach (var (hour, weight) in group)
            {
                // Land exactly on the period's total.
                var q = hour == last ? Math.Max(0, target - assigned) : (long)Math.Round(weight * target / sum);
                assigned += q;
                if (q > 0) buckets.Add(new Bucket(customerId, featureId, hour, q, q, hour.AddMinutes(59), q, Math.Max(1, q / 25)));
            }
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
