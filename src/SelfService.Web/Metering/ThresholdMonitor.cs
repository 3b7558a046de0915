using System.Data.Common;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.Options;
using SelfService.Catalog;
using SelfService.Data;
using SelfService.Entitlements;
using SelfService.Events;
using SelfService.Notifications;

namespace SelfService.Metering;

public sealed record ThresholdCrossing
{
    public long Id { get; init; }
    public long CustomerId { get; init; }
    public long FeatureId { get; init; }
    public DateTime PeriodStart { get; init; }
    public int Threshold { get; init; }
    public decimal Usage { get; init; }
    public long Cap { get; init; }
    public DateTime CrossedAt { get; init; }
}

/// <summary>
/// Records when a customer's usage of a Metered feature crosses a share of its cap (80 % and 100 % by default),
/// once per customer, feature, period and threshold, and notifies the customer's users in the same transaction.
/// The rollup calls it for the (customer, feature) pairs it has just folded, inside its own transaction, so a
/// crossing is seen within a rollup interval of the event that caused it and is never lost to a crash.
/// </summary>
public sealed class ThresholdMonitor(Db db, EntitlementService entitlements, UsageService usage, NotificationService notifications,
    IOptions<MeteringOptions> options, OutboundEvents events, IEnumerable<IUsageAlerts> alerts)
{
    public const string NotificationKind = "usage-threshold";

    internal const string CustomerKeySql = "select ExternalKey from Customer where Id = @id";

    internal const string CrossingsSql = """
        select Id, CustomerId, FeatureId, PeriodStart, Threshold, Usage, Cap, CrossedAt
          from ThresholdCrossing
         where CustomerId = @customerId
         order by CrossedAt, FeatureId, Threshold
        """;

    internal string InsertCrossingSql => db.Dialect.InsertIgnoringDuplicates("ThresholdCrossing",
        ["CustomerId", "FeatureId", "PeriodStart", "Threshold", "Usage", "Cap", "CrossedAt"],
        ["CustomerId", "FeatureId", "PeriodStart", "Threshold"]);

    /// <summary>Every crossing recorded for a customer, oldest first.</summary>
    public async Task<IReadOnlyList<ThresholdCrossing>> ForCustomerAsync(long customerId, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<ThresholdCrossing>(new CommandDefinition(CrossingsSql, new { customerId }, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// Checks the periods that <paramref name="touched"/> events fall in; returns how many crossings were new.
    /// Usage is read through <see cref="UsageService"/> on <paramref name="c"/>, so it sees this transaction's buckets.
    /// </summary>
    public async Task<int> CheckAsync(DbConnection c, DbTransaction tx,
        IReadOnlyDictionary<(long CustomerId, long FeatureId), (DateTime First, DateTime Last)> touched, DateTime now, CancellationToken ct = default)
    {
        var thresholds = options.Value.EffectiveThresholds;
        var recorded = 0;
        foreach (var customer in touched.GroupBy(t => t.Key.CustomerId))
        {
            var key = await c.ExecuteScalarAsync<string?>(new CommandDefinition(CustomerKeySql, new { id = customer.Key }, tx, cancellationToken: ct));
            if (key is null) continue;
            var account = await entitlements.ForCustomerAsync(key, now, ct);
            if (account is null || !account.IsActive) continue;
            var anchor = account.Subscription.BillingAnchorDay;

            var checks = new List<(UsagePeriod Period, Feature Feature, long Cap, bool HardCap)>();
            foreach (var pair in customer)
            {
                var entitlement = account.Entitlements.FirstOrDefault(e => e.Feature.Id == pair.Key.FeatureId);
                if (entitlement is not { Feature.Kind: FeatureKind.Metered, Limit: long cap and > 0 }) continue;
                var periods = entitlement.Feature.Aggregation == Aggregation.Latest
                    ? [UsagePeriod.Containing(now, anchor)]
                    : new[] { UsagePeriod.Containing(pair.Value.First, anchor), UsagePeriod.Containing(pair.Value.Last, anchor) }.Distinct();
                checks.AddRange(periods.Select(p => (p, entitlement.Feature, cap, entitlement.HardCap)));
            }

            foreach (var period in checks.GroupBy(x => x.Period))
            {
                var totals = await usage.TotalsAsync(c, tx, customer.Key, period.Select(x => x.Feature).ToList(), period.Key.Start, period.Key.End, ct);
                foreach (var (_, feature, cap, hardCap) in period)
                {
                    var used = totals.GetValueOrDefault(feature.Id);
                    foreach (var alert in alerts)
                        await alert.CheckAsync(c, tx, new UsageReading(customer.Key, key, feature, cap, hardCap, used, period.Key), now, ct);
                    // One notice per check, titled for the highest threshold crossed (10,001 of 10,000 is "cap reached", not "80 %").
                    var crossed = thresholds.Where(t => used * 100 >= (decimal)cap * t).ToList();
                    foreach (var pct in crossed)
                    {
                        var inserted = await c.ExecuteAsync(new CommandDefinition(InsertCrossingSql, new
                        {
                            CustomerId = customer.Key, FeatureId = feature.Id, PeriodStart = period.Key.Start, Threshold = pct,
                            Usage = used, Cap = cap, CrossedAt = now,
                        }, tx, cancellationToken: ct));
                        if (inserted == 0) continue;
                        recorded++;
                        // The vendor's systems hear of every threshold crossed; people get one notice per check.
                        await events.EmitAsync(c, tx, EventTypes.UsageThresholdCrossed, customer.Key, new
                        {
                            customer = key, feature = feature.Handle, threshold = pct, usage = used, cap, hardCap,
                            period = new { start = period.Key.Start, end = period.Key.End },
                        }, now);
                        if (pct != crossed[^1]) continue;
                        var (title, body) = Message(feature, pct, used, cap, hardCap, period.Key, now);
                        await notifications.NotifyAsync(c, tx, customer.Key, null, NotificationKind, title, body, $"/customers/{key}/usage", now,
                            $"threshold:{customer.Key}:{feature.Id}:{period.Key.Start:yyyyMMdd}:{pct}");
                    }
                }
            }
        }
        return recorded;
    }

    internal static (string Title, string Body) Message(Feature feature, int pct, decimal used, long cap, bool hardCap, UsagePeriod period, DateTime now)
    {
        var inv = CultureInfo.InvariantCulture;
        var unit = string.IsNullOrEmpty(feature.Unit) ? "" : " " + feature.Unit;
        var lastDay = period.End.AddDays(-1);
        var span = $"{period.Start.ToString("d MMM", inv)} – {lastDay.ToString("d MMM yyyy", inv)}";
        var figures = $"{EntitlementFormat.Number(used)} of {cap.ToString("#,0", inv)}{unit}";
        // The title names the highest threshold crossed, and the cap when usage is at or past it (10,001 of 10,000 is not "80 %").
        var atCap = used >= cap;
        var reached = $"cap reached ({EntitlementFormat.Percent(used * 100 / cap)} used)";
        if (period.End <= now)
        {
            // A late event counted into a period that is over: nothing is refused any more, and the wording says so.
            var ended = $"in the period that ended {lastDay.ToString("d MMM", inv)}";
            var pastTitle = pct > 100 ? $"{feature.Name}: {pct} % of the cap was used, over the cap, {ended}"
                : atCap ? $"{feature.Name}: {reached} {ended}"
                : $"{feature.Name}: {pct} % of the cap was used {ended}";
            var pastBody = $"{figures} were used in the period {span}, which has ended: usage reported late was counted in it. " +
                           (atCap && !hardCap ? "Use beyond the cap in that period counts as overage. " : "") +
                           "The current period is not affected.";
            return (pastTitle, pastBody);
        }
        var title = pct > 100 ? $"{feature.Name}: {pct} % of your cap used, over the cap"
            : atCap ? $"{feature.Name}: {reached}"
            : $"{feature.Name}: {pct} % of your cap used";
        var consequence = !atCap
            ? (hardCap ? "At the cap, further use is refused until the period ends." : "Use beyond the cap counts as overage.")
            : (hardCap ? "Further use is refused until the period ends." : "Further use counts as overage.");
        var body = $"{figures} used in the period {span}. {consequence} " +
                   "An upgrade or an add-on raises the cap.";
        return (title, body);
    }
}
