using System.Globalization;
using System.Net;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using SelfService.Catalog;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Metering;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Customers;

public abstract class UsageTests(AppFactory app)
{
    private async Task<(long CustomerId, Dictionary<string, Feature> Features)> Customer(string key)
    {
        await using var c = await app.Get<Db>().OpenAsync();
        var id = await c.ExecuteScalarAsync<long>("select Id from Customer where ExternalKey = @key", new { key });
        return (id, (await app.Get<CatalogStore>().FeaturesAsync()).ToDictionary(f => f.Handle));
    }

    [SkippableTheory]
    [InlineData("acme", DemoUsers.AcmeOwner, 1)]
    [InlineData("initech", DemoUsers.InitechOwner, 8)]
    [InlineData("hooli", DemoUsers.HooliOwner, 1)]
    public async Task Get_NumbersEqualTheUsageService_ToTheUnit(string key, string email, int anchor)
    {
        var (customerId, features) = await Customer(key);
        var period = UsagePeriod.Containing(app.Now, anchor);
        var expected = await app.Get<UsageService>().TotalsAsync(customerId, features.Values.ToList(), period.Start, period.End);

        var page = await (await PageClient.SignedInAs(app, email)).GetDocument($"/customers/{key}/usage");

        var cards = page.AllByTestId("usage-card").ToList();
        Assert.NotEmpty(cards);
        foreach (var card in cards)
        {
            var feature = features[card.GetAttribute("data-handle")!];
            var shown = decimal.Parse(card.ByTestId("usage-value").GetAttribute("data-value")!, CultureInfo.InvariantCulture);
            Assert.Equal(expected[feature.Id], shown);
            Assert.Equal(expected[feature.Id].ToString("#,0.######", CultureInfo.InvariantCulture), card.ByTestId("usage-value").Text());
        }
    }

    [SkippableFact]
    public async Task Get_AcmeNearItsApiCallsCap_PromptsTheCheapestWayToCoverTheForecast()
    {
        var page = await (await PageClient.SignedInAs(app, DemoUsers.AcmeOwner)).GetDocument("/customers/acme/usage");
        var card = page.QuerySelector("[data-testid=usage-card][data-handle=api-calls]")!;

        Assert.Equal("86 %", card.ByTestId("usage-percent").Text());
        Assert.Equal("100,000", card.ByTestId("usage-cap").Text());
        Assert.Contains("cap will be reached on", card.ByTestId("forecast").Text());
        var prompt = card.ByTestId("upgrade-prompt");
        Assert.Contains("API calls: you have used 86 % of your cap.", prompt.Text());
        Assert.Contains("API Calls Pack × 1 (+$25 a month)", prompt.ByTestId("upgrade-option").Text());
        Assert.Equal("/customers/acme/requests/new?kind=addon&code=api-calls-pack&quantity=1", prompt.ByTestId("upgrade-request").GetAttribute("href"));
    }

    [SkippableFact]
    public async Task Get_AsMember_PromptSaysAnOwnerOrAdminCanAsk_InsteadOfALink()
    {
        var page = await (await PageClient.SignedInAs(app, DemoUsers.AcmeMember)).GetDocument("/customers/acme/usage");
        var prompt = page.QuerySelector("[data-testid=usage-card][data-handle=api-calls] [data-testid=upgrade-prompt]")!;

        Assert.Null(prompt.QuerySelector("[data-testid=upgrade-request]"));
        Assert.Contains("An Owner or Admin of your account can request it", prompt.ByTestId("upgrade-ask").Text());
    }

    [SkippableFact]
    public async Task Get_OverSoftCap_ShowsOverage_AndTheCheapestPlanOrAddOn()
    {
        var page = await (await PageClient.SignedInAs(app, DemoUsers.InitechOwner)).GetDocument("/customers/initech/usage");
        var card = page.QuerySelector("[data-testid=usage-card][data-handle=api-calls]")!;

        Assert.Equal("112 %", card.ByTestId("usage-percent").Text());
        Assert.Contains("12,000 calls over the cap", card.ByTestId("overage").Text());
        Assert.Contains("soft cap", card.ByTestId("overage").Text());
        Assert.Contains("API calls: you have reached your cap.", card.ByTestId("upgrade-prompt").Text());
        Assert.Contains("API Calls Pack", card.ByTestId("upgrade-option").Text());
    }

    [SkippableFact]
    public async Task Get_LockedFeature_NamesTheCheapestPlanThatUnlocksIt()
    {
        var page = await (await PageClient.SignedInAs(app, DemoUsers.AcmeOwner)).GetDocument("/customers/acme/entitlements");
        var sso = page.QuerySelector("[data-testid=locked] [data-testid=upgrade-prompt][data-feature=sso]")!;

        Assert.Contains("the Enterprise plan (+$400 a month compared with Business)", sso.ByTestId("upgrade-option").Text());
        Assert.Equal("/customers/acme/requests/new?kind=plan&code=enterprise", sso.ByTestId("upgrade-request").GetAttribute("href"));
        Assert.Null(page.QuerySelector("[data-testid=locked] [data-feature='4k-streaming']")); // another product's feature
    }

    [SkippableFact]
    public async Task Get_StandardCustomer_LockedPremiumFeatureOffersTheCheapestUnlock()
    {
        app.Clock.Advance(TimeSpan.Zero);
        var page = await (await PageClient.SignedInAs(app, DemoUsers.UmbrellaOwner)).GetDocument("/customers/umbrella/usage");
        Assert.NotNull(page.QuerySelector("[data-testid=usage-card][data-handle=max-simultaneous-streams]"));
    }

    [SkippableFact]
    public async Task Csv_ContainsExactlyTheSeriesTheChartShows()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.AcmeAdmin);
        var page = await client.GetDocument("/customers/acme/usage?period=previous&granularity=day");
        var chart = JsonDocument.Parse(page.QuerySelector("#chart-data-api-calls")!.TextContent).RootElement;
        var href = page.QuerySelector("[data-testid=usage-card][data-handle=api-calls] [data-testid=csv]")!.GetAttribute("href")!;

        var response = await client.Get("/customers/acme/usage" + href);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var text = (await response.Content.ReadAsStringAsync()).TrimStart('\uFEFF');
        Assert.EndsWith("\r\n", text); // the one CSV convention: CRLF, as the audit and analytics exports
        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("bucket_start_utc,feature,usage,period_to_date,cap,unit", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(chart.GetProperty("values").GetArrayLength(), rows.Count);
        Assert.Equal(chart.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()),
            rows.Select(r => Math.Round(double.Parse(r[3], CultureInfo.InvariantCulture), 2)));
        Assert.All(rows, r => Assert.Equal("100000", r[4]));
    }

    [SkippableFact]
    public async Task Get_PeriodPicker_ShowsThePreviousPeriodAndTwelveMonths()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.AcmeOwner);
        var current = await client.GetDocument("/customers/acme/usage");
        var previous = await client.GetDocument("/customers/acme/usage?period=previous");
        var year = await client.GetDocument("/customers/acme/usage?period=12m&granularity=hour");

        int Points(AngleSharp.Html.Dom.IHtmlDocument d) => JsonDocument.Parse(d.QuerySelector("#chart-data-api-calls")!.TextContent).RootElement.GetProperty("values").GetArrayLength();
        Assert.Equal(20, Points(current));   // 1–20 November, by day
        Assert.Equal(31, Points(previous));  // October
        Assert.InRange(Points(year), 180, 366); // by day whatever was asked: six months of demo history
        Assert.Equal("12m", year.QuerySelector("#period option[selected]")!.GetAttribute("value"));
        Assert.Equal("day", year.QuerySelector("#granularity option[selected]")!.GetAttribute("value"));
    }

    [SkippableFact]
    public async Task Get_Overview_ListsWhatNeedsAttention_WithLinks()
    {
        var acme = await (await PageClient.SignedInAs(app, DemoUsers.AcmeOwner)).GetDocument("/customers/acme");
        var items = acme.AllByTestId("attention-item").ToList();
        var caps = items.Where(i => i.GetAttribute("data-kind") == "cap").Select(i => i.Text()).ToList();
        // API calls only: Team members is held as assigned seats, 2 of 40.
        var only = Assert.Single(caps);
        Assert.StartsWith("API calls: 86 % of the cap used.", only, StringComparison.Ordinal);
        var cap = items.First(i => i.GetAttribute("data-kind") == "cap");
        Assert.Equal("/customers/acme/usage", cap.QuerySelector("a")!.GetAttribute("href"));

        var umbrella = await (await PageClient.SignedInAs(app, DemoUsers.UmbrellaOwner)).GetDocument("/customers/umbrella");
        var grant = Assert.Single(umbrella.AllByTestId("attention-item"), i => i.GetAttribute("data-kind") == "grant");
        Assert.Contains("4K streaming granted for \"4K for the Winter Premiere screening\" ends in 2 days.", grant.Text());
    }
}

/// <summary>The usage page reads a bounded number of statements, whatever the number of features or length of history.</summary>
public sealed class UsageQueryCountTests : IDisposable
{
    private readonly AppFactory _app = new();

    public void Dispose() => _app.Dispose();

    private async Task<int> StatementsForUsagePage(PageClient client, string key)
    {
        var count = 0;
        void Count(System.Data.Common.DbConnection c) =>
            SQLitePCL.raw.sqlite3_trace(((SqliteConnection)c).Handle, (_, sql) => { if (!sql.TrimStart().StartsWith("pragma", StringComparison.OrdinalIgnoreCase)) Interlocked.Increment(ref count); }, null);
        var db = _app.Get<Db>();
        db.Opened += Count;
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await client.Get($"/customers/{key}/usage?period=12m")).StatusCode);
        }
        finally
        {
            db.Opened -= Count;
        }
        return count;
    }

    [Fact]
    public async Task UsagePage_TwoYearsHourlyOnTwentyFeatures_ReadsAsFewStatementsAsTwoFeatures()
    {
        var db = _app.Get<Db>();
        var now = _app.Now;
        await using (var c = await db.OpenAsync())
        {
            // A customer on a plan of 20 metered features with two years of hourly usage on each (350,400 rows).
            await c.ExecuteAsync("""
                insert into Feature (Handle, Name, Description, Kind, Unit, Aggregation, CreatedAt)
                select 'metric-' || n, 'Metric ' || n, '', 'Metered', 'units', case when n % 3 = 0 then 'Max' else 'Sum' end, @now
                  from (with recursive k(n) as (select 1 union all select n + 1 from k where n < 20) select n from k);
                insert into PricePlan (Code, Version, Family, Name, MonthlyPriceCents, CreatedAt) values ('metrics', 1, 'metrics', 'Metrics', 1000, @now);
                insert into PlanEntitlement (PlanId, FeatureId, Amount, IsUnlimited, HardCap)
                select (select Id from PricePlan where Code = 'metrics'), Id, 1000000, 0, 1 from Feature where Handle like 'metric-%';
                insert into Customer (ExternalKey, Name, CreatedAt) values ('bigco', 'BigCo', @now);
                insert into Subscription (CustomerId, PlanId, Status, BillingAnchorDay, StartedAt, UpdatedAt)
                select (select Id from Customer where ExternalKey = 'bigco'), (select Id from PricePlan where Code = 'metrics'), 'Active', 1, @now, @now;
                insert into Customer (ExternalKey, Name, CreatedAt) values ('smallco', 'SmallCo', @now);
                insert into Subscription (CustomerId, PlanId, Status, BillingAnchorDay, StartedAt, UpdatedAt)
                select (select Id from Customer where ExternalKey = 'smallco'), (select Id from PricePlan where Code = 'starter'), 'Active', 1, @now, @now;
                insert into UsageHourly (CustomerId, FeatureId, HourStart, Total, Peak, LatestAt, LatestValue, EventCount)
                select (select Id from Customer where ExternalKey = 'bigco'), f.Id, h.t, 10, 10, h.t, 10, 1
                  from Feature f
                  cross join (with recursive hours(n, t) as (
                                  select 0, strftime('%Y-%m-%d %H:00:00', @now, '-730 days')
                                  union all
                                  select n + 1, strftime('%Y-%m-%d %H:00:00', @now, '-730 days', '+' || (n + 1) || ' hours') from hours where n < 17519)
                              select t from hours) h
                 where f.Handle like 'metric-%';
                """, new { now });
            Assert.Equal(350_400, await c.ExecuteScalarAsync<long>("select count(*) from UsageHourly where CustomerId = (select Id from Customer where ExternalKey = 'bigco')"));
        }
        var operatorClient = await PageClient.SignedInAs(_app, DemoUsers.Operator);

        var big = await StatementsForUsagePage(operatorClient, "bigco");
        var small = await StatementsForUsagePage(operatorClient, "smallco");

        // SmallCo's Starter has max-members, held as assigned seats: its usage and chart read the seats (at most two statements more).
        Assert.InRange(small - big, 0, 2);
        Assert.InRange(big, 1, 30);
    }
}

public sealed class SqliteUsageTests(SqliteApp app) : UsageTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlUsageTests(PostgreSqlApp app) : UsageTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerUsageTests(SqlServerApp app) : UsageTests(app), IClassFixture<SqlServerApp>;
