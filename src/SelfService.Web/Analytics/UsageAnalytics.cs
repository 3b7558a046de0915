using Dapper;
using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Data;
using SelfService.Entitlements;
using SelfService.Metering;

namespace SelfService.Analytics;

public enum CapStatus { NotCapped, Ok, Near, Over }

/// <summary>One customer's standing on one feature now: what they have, what they used this period, and how close to the cap.</summary>
public sealed record CustomerFeatureUsage(
    long CustomerId, string CustomerKey, string CustomerName, PricePlan Plan, bool Has, EntitlementValue Value, bool HardCap, decimal Usage, UsagePeriod Period)
{
    public long FeatureId { get; init; }

    public long? Limit => Value.Unlimited || !Has ? null : Value.Amount ?? 0;

    /// <summary>Usage as a share of the cap, when there is a finite cap.</summary>
    public decimal? Share => Limit is > 0 and { } limit ? Usage / limit : null;

    public bool Uses => Usage > 0;

    public CapStatus Status => Share switch
    {
        null => CapStatus.NotCapped,
        >= UsageAnalytics.OverShare => CapStatus.Over,
        >= UsageAnalytics.NearShare => CapStatus.Near,
        _ => CapStatus.Ok,
    };
}

/// <summary>Adoption of one feature across active subscriptions. <see cref="Use"/> is null for Boolean features, which report no usage.</summary>
public sealed record FeatureAdoption(Feature Feature, int Subscribers, int Have, int? Use, int Near, int Over);

public sealed record PlanAdoption(string PlanCode, string PlanName, int Subscribers, int Have, int Use);

/// <summary>One day of a feature's usage: how many customers reported it and the combined value (Sum: total; Max, Latest: sum of each customer's daily peak).</summary>
public sealed record TrendPoint(DateTime Day, int Customers, decimal Value);

/// <summary>One country's usage of a feature over the trend window; <see cref="Country"/> is null for events that named none.</summary>
public sealed record CountryUsage(string? Country, int Customers, decimal Value, long Events);

public sealed record FeatureReport(Feature Feature, FeatureAdoption Adoption, IReadOnlyList<CustomerFeatureUsage> Customers,
    IReadOnlyList<PlanAdoption> ByPlan, IReadOnlyList<TrendPoint> Trend, DateTime At)
{
    public IEnumerable<CustomerFeatureUsage> NearOrOver => Customers.Where(c => c.Status is CapStatus.Near or CapStatus.Over).OrderByDescending(c => c.Share);
    public IEnumerable<CustomerFeatureUsage> TopConsumers => Customers.Where(c => c.Uses).OrderByDescending(c => c.Usage).ThenBy(c => c.CustomerKey, StringComparer.Ordinal).Take(UsageAnalytics.TopCount);
}

/// <summary>Every active customer's entitlements and current-period usage of every feature, at one instant.</summary>
public sealed record UsageMatrix(CatalogSnapshot Catalog, IReadOnlyList<CustomerFeatureUsage> Rows, DateTime At)
{
    public IEnumerable<CustomerFeatureUsage> For(long featureId) => Rows.Where(r => r.FeatureId == featureId);
}

/// <summary>
/// Usage across customers for the operators. Entitlements come from <see cref="EntitlementEngine"/>; usage from
/// <see cref="UsageService"/> (the one usage read: hourly rollups plus the accepted events past the rollup watermark, at
/// one watermark), in the customer's own billing period, with one read per distinct billing anchor day rather than one per customer.
/// </summary>
public sealed class UsageAnalytics(Db db, CatalogStore catalog, UsageService usageReads, TimeProvider clock)
{
    public const decimal NearShare = 0.8m;
    public const decimal OverShare = 1.0m;
    public const int TopCount = 10;
    public const int TrendDays = 30;

    internal const string SubscriptionsSql = """
        select c.Id as CustomerId, c.ExternalKey, c.Name, s.Id as SubscriptionId,
               coalesce((select sc.ToPlanId from ScheduledPlanChange sc
                          where sc.SubscriptionId = s.Id and sc.State = 'Pending' and sc.EffectiveAt <= @now), s.PlanId) as PlanId,
               s.BillingAnchorDay
          from Customer c
          join Subscription s on s.CustomerId = c.Id
         where s.Status = 'Active'
         order by c.ExternalKey;

        select sa.SubscriptionId, sa.AddOnId, sa.Quantity
          from SubscriptionAddOn sa
          join Subscription s on s.Id = sa.SubscriptionId
         where s.Status = 'Active';

        select g.Id, g.SubscriptionId, g.FeatureId, g.Amount, g.IsUnlimited, g.Reason, g.GrantedBy, g.ValidFrom, g.ValidUntil, g.CreatedAt, g.RevokedAt
          from EntitlementGrant g
          join Subscription s on s.Id = g.SubscriptionId
         where s.Status = 'Active' and g.RevokedAt is null;
        """;

    /// <summary>Every active customer × every feature: entitlement now and usage in the customer's current period.</summary>
    public async Task<UsageMatrix> MatrixAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var snapshot = await catalog.SnapshotAsync(ct);
        await using var connection = await db.OpenAsync(ct);
        List<SubscriptionRow> subscriptions;
        List<SubscriptionAddOn> addOns;
        List<EntitlementGrant> grants;
        using (var grid = await connection.QueryMultipleAsync(new CommandDefinition(SubscriptionsSql, new { now }, cancellationToken: ct)))
        {
            subscriptions = (await grid.ReadAsync<SubscriptionRow>()).AsList();
            addOns = (await grid.ReadAsync<SubscriptionAddOn>()).AsList();
            grants = (await grid.ReadAsync<EntitlementGrant>()).AsList();
        }

        var usage = new Dictionary<(long Customer, long Feature), decimal>();
        foreach (var anchor in subscriptions.Select(s => s.BillingAnchorDay).Distinct())
        {
            var period = UsagePeriod.Containing(now, anchor);
            foreach (var (key, value) in await usageReads.TotalsByAnchorAsync(anchor, snapshot.Features, period.Start, period.End, ct))
                usage[key] = value;
        }

        var plans = snapshot.Plans.ToDictionary(p => p.Id);
        var addOnsById = snapshot.AddOns.ToDictionary(a => a.Id);
        var addOnsBySubscription = addOns.ToLookup(a => a.SubscriptionId);
        var grantsBySubscription = grants.ToLookup(g => g.SubscriptionId);
        var rows = new List<CustomerFeatureUsage>();
        foreach (var s in subscriptions)
        {
            if (!plans.TryGetValue(s.PlanId, out var plan)) continue;
            var owned = addOnsBySubscription[s.SubscriptionId].Where(a => addOnsById.ContainsKey(a.AddOnId)).Select(a => (addOnsById[a.AddOnId], a.Quantity)).ToList();
            var inputs = new EntitlementInputs(snapshot.Features, plan, snapshot.EntitlementsOf(plan), owned,
                snapshot.AddOnEntitlements.Where(e => owned.Any(o => o.Item1.Id == e.AddOnId)).ToList(), grantsBySubscription[s.SubscriptionId].ToList());
            var effective = EntitlementEngine.Compute(inputs, now).ToDictionary(e => e.Feature.Id);
            var period = UsagePeriod.Containing(now, s.BillingAnchorDay);
            foreach (var f in snapshot.Features)
            {
                var e = effective.GetValueOrDefault(f.Id);
                rows.Add(new CustomerFeatureUsage(s.CustomerId, s.ExternalKey, s.Name, plan, e?.HasAccess ?? false, e?.Value ?? EntitlementValue.Of(0),
                    e?.HardCap ?? true, usage.GetValueOrDefault((s.CustomerId, f.Id)), period) { FeatureId = f.Id });
            }
        }
        return new UsageMatrix(snapshot, rows, now);
    }

    public static IReadOnlyList<FeatureAdoption> Overview(UsageMatrix matrix) =>
        matrix.Catalog.Features.Select(f => Adoption(f, matrix.For(f.Id).ToList())).ToList();

    private static FeatureAdoption Adoption(Feature f, IReadOnlyList<CustomerFeatureUsage> rows) => new(f,
        rows.Count,
        rows.Count(r => r.Has),
        f.IsNumeric ? rows.Count(r => r.Uses) : null,
        rows.Count(r => r.Status == CapStatus.Near),
        rows.Count(r => r.Status == CapStatus.Over));

    /// <summary>One feature in detail: adoption, adoption by plan, customers near or over the cap, top consumers and a daily trend.</summary>
    public async Task<FeatureReport> ReportAsync(UsageMatrix matrix, Feature feature, CancellationToken ct = default)
    {
        var rows = matrix.For(feature.Id).ToList();
        var byPlan = rows.GroupBy(r => r.Plan.Code)
            .Select(g => new PlanAdoption(g.Key, g.OrderByDescending(r => r.Plan.Version).First().Plan.Name, g.Count(), g.Count(r => r.Has), g.Count(r => r.Uses)))
            .OrderBy(p => matrix.Catalog.Plans.First(x => x.Code == p.PlanCode).Family, StringComparer.Ordinal)
            .ThenBy(p => matrix.Catalog.Plans.First(x => x.Code == p.PlanCode).MonthlyPriceCents)
            .ToList();
        var trend = feature.IsNumeric ? await TrendAsync(feature, matrix.At, ct) : [];
        return new FeatureReport(feature, Adoption(feature, rows), rows, byPlan, trend, matrix.At);
    }

    /// <summary>The last <see cref="TrendDays"/> days up to now, every day present (zero when nothing was reported).</summary>
    public async Task<IReadOnlyList<TrendPoint>> TrendAsync(Feature feature, DateTime now, CancellationToken ct = default)
    {
        var today = DateTime.SpecifyKind(now.Date, DateTimeKind.Utc);
        var from = today.AddDays(-(TrendDays - 1));
        var to = UsageService.Hour(now).AddHours(1);
        var daily = await usageReads.DailyOfFeatureAsync(feature.Id, from, to, ct);
        var byDay = daily.GroupBy(r => r.Key.Day).ToDictionary(g => g.Key, g => g.Select(r => (CustomerId: r.Key.Customer, r.Value.Total, r.Value.Peak)).ToList());
        var points = new List<TrendPoint>(TrendDays);
        for (var day = from; day <= today; day = day.AddDays(1))
        {
            var list = byDay.GetValueOrDefault(day) ?? [];
            var value = feature.Aggregation == Aggregation.Sum ? list.Sum(r => r.Total) : list.Sum(r => r.Peak);
            points.Add(new TrendPoint(day, list.Select(r => r.CustomerId).Distinct().Count(), value));
        }
        return points;
    }

    internal string ByCountrySql => $"""
        select e.Country, count(distinct e.CustomerId) as Customers, {db.Dialect.ExactSum("e.Quantity")} as Total, max(e.Quantity) as Peak, count(*) as Events
          from UsageEvent e
         where e.FeatureId = @featureId and e.OccurredAt >= @from and e.OccurredAt < @to
         group by e.Country
        """;

    /// <summary>
    /// A feature's usage by the country its events named, over the last <see cref="TrendDays"/> days (Sum: the total;
    /// Max and Latest: the highest value reported). Read from the raw events, which keep the country and are kept for
    /// the retention window (35 days by default, never shorter than the lateness window): the hourly rollups do not split by country.
    /// </summary>
    public async Task<IReadOnlyList<CountryUsage>> ByCountryAsync(Feature feature, DateTime now, CancellationToken ct = default)
    {
        var to = UsageService.Hour(now).AddHours(1);
        var from = DateTime.SpecifyKind(now.Date, DateTimeKind.Utc).AddDays(-(TrendDays - 1));
        var p = new DynamicParameters();
        p.Add("featureId", feature.Id);
        p.Add("from", new UtcInstant(from));
        p.Add("to", new UtcInstant(to));
        await using var connection = await db.OpenAsync(ct);
        var rows = await connection.QueryAsync<CountryRow>(new CommandDefinition(ByCountrySql, p, cancellationToken: ct));
        return rows.Select(r => new CountryUsage(r.Country?.Trim(), (int)r.Customers,
                Quantities.FromDb(feature.Aggregation == Aggregation.Sum ? r.Total : r.Peak), r.Events))
            .OrderByDescending(r => r.Value).ThenBy(r => r.Country ?? "~", StringComparer.Ordinal).ToList();
    }

    private sealed record CountryRow
    {
        public string? Country { get; init; }
        public long Customers { get; init; }
        public object? Total { get; init; }
        public object? Peak { get; init; }
        public long Events { get; init; }
    }

    private sealed record SubscriptionRow
    {
        public long CustomerId { get; init; }
        public string ExternalKey { get; init; } = "";
        public string Name { get; init; } = "";
        public long SubscriptionId { get; init; }
        public long PlanId { get; init; }
        public int BillingAnchorDay { get; init; }
    }
}
