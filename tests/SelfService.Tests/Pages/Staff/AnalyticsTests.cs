using System.Net;
using System.Text.Json;
using Dapper;
using SelfService.Catalog;
using SelfService.Data;
using SelfService.Entitlements;
using SelfService.Metering;
using SelfService.Tests.Infrastructure;
using SelfService.Upgrades;

namespace SelfService.Tests.Pages.Staff;

public abstract class AnalyticsTests(AppFactory app)
{
    [SkippableFact]
    public async Task Get_ApiCalls_CountsWhoHasItUsesItAndIsNearOrOverTheCap()
    {
        var client = await OperatorClient.SignIn(app);
        var page = await client.GetDocument("/vendor/analytics?feature=api-calls");

        var row = page.QuerySelector("[data-testid=feature-row][data-handle=api-calls]")!;
        Assert.Equal("4 of 5", row.ByTestId("have").Text()); // every team-family customer; umbrella streams
        Assert.Equal("4", row.ByTestId("use").Text());
        Assert.Equal("1", row.ByTestId("near").Text()); // acme at 86 %
        Assert.Equal("1", row.ByTestId("over").Text()); // initech at 112 %

        var capped = page.AllByTestId("capped").ToDictionary(r => r.GetAttribute("data-key")!, r => r.GetAttribute("data-status"));
        Assert.Equal("Over", capped["initech"]);
        Assert.Equal("Near", capped["acme"]);
        Assert.Equal(["hooli", "initech", "acme", "globex"], page.AllByTestId("consumer").Select(c => c.GetAttribute("data-key")!)); // 410,000, 112,000, 86,000, 3,500
        var business = page.QuerySelector("[data-testid=plan-row][data-code=business]")!;
        Assert.Equal("2", business.ByTestId("plan-have").Text());
    }

    [SkippableFact]
    public async Task Get_BooleanFeature_CountsHoldersByPlan_AndDoesNotPretendToMeasureUse()
    {
        var client = await OperatorClient.SignIn(app);
        var page = await client.GetDocument("/vendor/analytics?feature=4k-streaming");
        Assert.Equal("not measured", page.ByTestId("kpi-use").Text());
        Assert.Equal("1 of 5", page.ByTestId("kpi-have").Text()); // umbrella's temporary grant
    }

    [SkippableFact]
    public async Task Usage_MatchesTheUsageService_ForEveryCustomerAndFeature_IncludingEventsNotYetRolledUp()
    {
        await using var own = new AppFactory();
        var db = own.Get<Db>();
        var globex = await own.Scalar<long>("select Id from Customer where ExternalKey = 'globex'");
        var apiCalls = await own.Scalar<long>("select Id from Feature where Handle = 'api-calls'");
        await db.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync("update RollupWatermark set LastEventId = 0 where Name = 'usage-hourly'", transaction: tx);
            await c.ExecuteAsync("""
                insert into UsageEvent (CustomerId, FeatureId, EventId, Quantity, OccurredAt, ReceivedAt)
                values (@globex, @apiCalls, 'analytics-test-1', 777, @now, @now)
                """, new { globex, apiCalls, now = own.Now }, tx);
        });

        var matrix = await own.Get<SelfService.Analytics.UsageAnalytics>().MatrixAsync();
        var usage = own.Get<UsageService>();
        var features = (await own.Get<CatalogStore>().FeaturesAsync()).ToList();
        foreach (var customer in matrix.Rows.GroupBy(r => r.CustomerId))
        {
            var period = customer.First().Period;
            var expected = await usage.TotalsAsync(customer.Key, features, period.Start, period.End);
            foreach (var row in customer.Where(r => features.Single(f => f.Id == r.FeatureId).IsNumeric))
                Assert.Equal(expected[row.FeatureId], row.Usage, 6);
        }
        var account = (await own.Get<EntitlementService>().ForCustomerAsync("globex"))!;
        var current = await own.Get<PlanChangePreview>().CurrentUsageAsync(account);
        Assert.Equal(current[apiCalls], matrix.Rows.Single(r => r.CustomerId == globex && r.FeatureId == apiCalls).Usage);
        Assert.Equal(3_500 + 777, current[apiCalls]);
    }

    [SkippableFact]
    public async Task Get_CarriesChartDataAsJson_WithNoInlineScript()
    {
        var client = await OperatorClient.SignIn(app);
        var page = await client.GetDocument("/vendor/analytics?feature=storage-gb");
        var json = JsonDocument.Parse(page.QuerySelector("script#analytics-data")!.TextContent).RootElement;
        Assert.Equal(SelfService.Analytics.UsageAnalytics.TrendDays, json.GetProperty("trend").GetProperty("values").GetArrayLength());
        Assert.True(json.GetProperty("trend").GetProperty("values").EnumerateArray().Last().GetDouble() > 0);
        Assert.Equal(4, json.GetProperty("top").GetProperty("labels").GetArrayLength());
        Assert.All(page.QuerySelectorAll("script:not([type='application/json'])"), s => Assert.False(string.IsNullOrEmpty(s.GetAttribute("src"))));
        Assert.Equal(HttpStatusCode.OK, (await client.Get("/lib/chart.js/dist/chart.umd.min.js")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.Get("/js/analytics.js")).StatusCode);
    }

    [SkippableFact]
    public async Task GetCsv_ExportsOneRowPerActiveCustomer_AndTheOverview()
    {
        var client = await OperatorClient.SignIn(app);
        var page = await client.GetDocument("/vendor/analytics?feature=api-calls");
        var response = await client.Get(page.ByTestId("feature-csv").GetAttribute("href")!);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, lines.Length);
        Assert.StartsWith("hooli,", lines[1]); // most usage first
        var initech = lines.Single(l => l.StartsWith("initech,", StringComparison.Ordinal));
        Assert.StartsWith("initech,Initech,business,1,yes,100,000 calls,soft,112000,", initech.Replace("\"", ""));
        Assert.EndsWith("112%,at or over cap", initech);

        var overview = await client.Get(page.ByTestId("overview-csv").GetAttribute("href")!);
        var rows = (await overview.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("api-calls,API calls,Metered,5,4,4,1,1", rows);
    }

    [SkippableFact]
    public async Task Get_UnknownFeature_Is404()
    {
        var client = await OperatorClient.SignIn(app);
        Assert.Equal(HttpStatusCode.NotFound, (await client.Get("/vendor/analytics?feature=nope")).StatusCode);
    }
}

public sealed class SqliteAnalyticsTests(SqliteApp app) : AnalyticsTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlAnalyticsTests(PostgreSqlApp app) : AnalyticsTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerAnalyticsTests(SqlServerApp app) : AnalyticsTests(app), IClassFixture<SqlServerApp>;
