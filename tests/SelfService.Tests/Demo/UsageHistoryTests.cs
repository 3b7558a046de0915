using Dapper;
using SelfService.Data;
using SelfService.Metering;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Demo;

/// <summary>The demo's months of API calls look like a real customer's, not a fault: mostly under the cap, growing, one overage.</summary>
public sealed class UsageHistoryTests
{
    [Fact]
    public async Task PastPeriods_AreMostlyUnderTheCap_Growing_WithAcmesOneOverage()
    {
        using var app = new AppFactory();
        var usage = app.Get<UsageService>();
        var calls = (await app.Get<SelfService.Catalog.CatalogStore>().FeaturesAsync()).Single(f => f.Handle == "api-calls");
        await using var c = await app.Get<Db>().OpenAsync();
        var customers = (await c.QueryAsync<(long Id, string Key, int Anchor, long Cap)>("""
            select cu.Id, cu.ExternalKey, s.BillingAnchorDay, pe.Amount
              from Customer cu
              join Subscription s on s.CustomerId = cu.Id
              join PlanEntitlement pe on pe.PlanId = s.PlanId and pe.FeatureId = @feature
            """, new { feature = calls.Id })).AsList();
        Assert.NotEmpty(customers);

        var overages = new List<string>();
        foreach (var (id, key, anchor, cap) in customers)
        {
            var current = UsagePeriod.Containing(app.Now, anchor);
            var shares = new List<decimal>();
            // The five full periods before this one (the history starts part-way through the sixth).
            for (var (p, i) = (current.Previous(anchor), 0); i < 5; p = p.Previous(anchor), i++)
                shares.Insert(0, (await usage.UsageAsync(id, calls, p)) / cap);
            Assert.All(shares, s => Assert.InRange(s, 0.3m, 1.2m));
            overages.AddRange(shares.Where(s => s > 1).Select(s => $"{key} {s:P0}"));
            Assert.True(shares[^1] > shares[0], $"{key}: {string.Join(", ", shares.Select(s => s.ToString("P0")))} does not grow");
        }
        Assert.Equal("acme", Assert.Single(overages).Split(' ')[0]);
    }
}
