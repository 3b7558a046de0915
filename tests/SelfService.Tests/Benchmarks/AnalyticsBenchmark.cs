using System.Diagnostics;
using Dapper;
using SelfService.Analytics;
using SelfService.Customers;
using SelfService.Data;
using SelfService.Entitlements;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Pages.Staff;
using SelfService.Upgrades;
using Xunit.Abstractions;

namespace SelfService.Tests.Benchmarks;

/// <summary>
/// On demand only (SELFSERVICE_BENCH=1): the analytics page's cross-customer read (one usage query per billing anchor day)
/// against the baseline of asking <see cref="EntitlementService"/> and <see cref="UsageService"/> customer by customer,
/// measured in the same run on the same database, with the answers compared.
/// </summary>
public sealed class AnalyticsBenchmark(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task UsageMatrix_AgainstPerCustomerReads()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("SELFSERVICE_BENCH") == "1", "Benchmarks run on demand: SELFSERVICE_BENCH=1");
        var customers = int.TryParse(Environment.GetEnvironmentVariable("SELFSERVICE_BENCH_CUSTOMERS"), out var n) ? n : 1000;
        await using var app = new AppFactory();
        await Seed(app, customers);
        var analytics = app.Get<UsageAnalytics>();
        var entitlements = app.Get<EntitlementService>();
        var preview = app.Get<PlanChangePreview>();
        var keys = (await app.Get<CustomerStore>().ListAsync()).Select(c => c.ExternalKey).ToList();

        async Task<Dictionary<(long, long), decimal>> Baseline()
        {
            var result = new Dictionary<(long, long), decimal>();
            foreach (var key in keys)
            {
                var account = (await entitlements.ForCustomerAsync(key))!;
                foreach (var (feature, usage) in await preview.CurrentUsageAsync(account)) result[(account.Customer.Id, feature)] = usage;
            }
            return result;
        }

        var matrix = await analytics.MatrixAsync();
        var expected = await Baseline();
        foreach (var row in matrix.Rows.Where(r => expected.ContainsKey((r.CustomerId, r.FeatureId))))
            Assert.Equal(expected[(row.CustomerId, row.FeatureId)], row.Usage);

        double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
        var matrixMs = new List<double>();
        var baselineMs = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            await analytics.MatrixAsync();
            matrixMs.Add(sw.Elapsed.TotalMilliseconds);
            sw.Restart();
            await Baseline();
            baselineMs.Add(sw.Elapsed.TotalMilliseconds);
        }
        var line = $"{keys.Count} customers, {await app.Scalar<long>("select count(*) from UsageHourly")} hourly rows: " +
                   $"matrix {Median(matrixMs):F0} ms, per-customer baseline {Median(baselineMs):F0} ms, ratio {Median(baselineMs) / Median(matrixMs):F1}x (median of 5)";
        output.WriteLine(line);
        Console.WriteLine("BENCH " + line);
    }

    private static async Task Seed(AppFactory app, int count)
    {
        var store = app.Get<CustomerStore>();
        var now = app.Now;
        var business = await app.Scalar<long>("select Id from PricePlan where Code = 'business'");
        var features = (await app.Get<SelfService.Catalog.CatalogStore>().FeaturesAsync()).ToDictionary(f => f.Handle, f => f.Id);
        await app.Get<Db>().WriteAsync(async (c, tx) =>
        {
            var random = new Random(7);
            var rows = new List<object>();
            for (var i = 0; i < count; i++)
            {
                var id = await store.CreateCustomerAsync(c, tx, $"bench-{i:00000}", $"Bench {i}", now.AddMonths(-3));
                await app.Get<SubscriptionChanges>().InsertSubscriptionAsync(c, tx, id, business, SubscriptionStatus.Active, 1 + i % 28, now.AddMonths(-2), now);
                for (var h = 1; h <= 48; h++)
                {
                    var hour = SelfService.Metering.UsageService.Hour(now).AddHours(-h * 7);
                    double calls = random.Next(10, 500), gb = random.Next(1, 90), seats = random.Next(1, 25);
                    rows.Add(new { CustomerId = id, FeatureId = features["api-calls"], HourStart = hour, Total = calls, Peak = calls, LatestAt = hour.AddMinutes(30), LatestValue = calls, EventCount = 1 });
                    rows.Add(new { CustomerId = id, FeatureId = features["storage-gb"], HourStart = hour, Total = gb, Peak = gb, LatestAt = hour.AddMinutes(30), LatestValue = gb, EventCount = 1 });
                    rows.Add(new { CustomerId = id, FeatureId = features["max-members"], HourStart = hour, Total = seats, Peak = seats, LatestAt = hour.AddMinutes(30), LatestValue = seats, EventCount = 1 });
                }
            }
            await c.ExecuteAsync("""
                insert into UsageHourly (CustomerId, FeatureId, HourStart, Total, Peak, LatestAt, LatestValue, EventCount)
                values (@CustomerId, @FeatureId, @HourStart, @Total, @Peak, @LatestAt, @LatestValue, @EventCount)
                """, rows, tx);
        });
    }
}
