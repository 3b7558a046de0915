using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using SelfService.Analytics;
using SelfService.Data;
using SelfService.Entitlements;
using SelfService.Metering;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Integration;
using static SelfService.Tests.Metering.MeteringApp;

namespace SelfService.Tests.Metering;

/// <summary>
/// Billing-grade agreement: for each case, every surface a person or a machine reads usage from — the portal's headline
/// (its figure and its text), the chart's series, the CSV by day and by hour, the check API, the list API, the signed
/// token and the operators' analytics — is read side by side and must equal the exact expected figure, before and after
/// the rollup. Globex (Starter: api-calls hard cap 10,000) starts from no usage at all, billing anchor day 1.
/// </summary>
public abstract class UsageAgreementTests : IDisposable
{
    private MeteringApp? _app;

    protected abstract MeteringApp CreateApp();

    /// <summary>The app, created on first use so that a test can change its settings first (<see cref="_configure"/>).</summary>
    private MeteringApp App => _app ??= Configured();

    private Action<MeteringApp>? _configure;

    private MeteringApp Configured()
    {
        var app = CreateApp();
        _configure?.Invoke(app);
        return app;
    }

    public void Dispose() => _app?.Dispose();

    private const string Customer = "globex";
    private const string Owner = "owner@globex.example";

    private bool _clean;

    /// <summary>Globex without any usage, on anchor day <paramref name="anchor"/>, before anything has read its usage.</summary>
    private async Task CleanSlate(int anchor = 1)
    {
        var id = await App.CustomerId(Customer);
        await App.Get<Db>().WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync("delete from UsageHourly where CustomerId = @id", new { id }, tx);
            await c.ExecuteAsync("delete from UsageEvent where CustomerId = @id", new { id }, tx);
            await c.ExecuteAsync("delete from ThresholdCrossing where CustomerId = @id", new { id }, tx);
            await c.ExecuteAsync("update Subscription set BillingAnchorDay = @anchor where CustomerId = @id", new { anchor, id }, tx);
        });
        _clean = true;
    }

    private async Task Send(params JsonNode[] events)
    {
        var reply = await App.Post(events);
        Assert.True(reply.Status == HttpStatusCode.OK, $"{reply.Status}: {reply.Json}");
    }

    private async Task RollUp()
    {
        // Past the rollup's safety lag on a database server (none on SQLite).
        App.Clock.Advance(TimeSpan.FromMinutes(2));
        await App.Get<UsageRollup>().RunAsync();
    }

    /// <summary>Every surface's figure for one feature, by surface name.</summary>
    private async Task<Dictionary<string, decimal>> Surfaces(string handle)
    {
        Assert.True(_clean, "call CleanSlate first");
        var figures = new Dictionary<string, decimal>();
        var feature = await App.Feature(handle);
        var aggregation = feature.Aggregation!.Value;
        decimal Of(IReadOnlyList<decimal> values) => values.Count == 0 ? 0 : aggregation switch
        {
            SelfService.Catalog.Aggregation.Sum => values.Sum(),
            SelfService.Catalog.Aggregation.Max => values.Max(),
            _ => values[^1],
        };

        var portal = await PageClient.SignedInAs(App, Owner);
        var page = await portal.GetDocument($"/customers/{Customer}/usage");
        var card = page.AllByTestId("usage-card").Single(c => c.GetAttribute("data-handle") == handle);
        var value = card.ByTestId("usage-value");
        figures["portal headline"] = decimal.Parse(value.GetAttribute("data-value")!, NumberStyles.Float, CultureInfo.InvariantCulture);
        figures["portal text"] = decimal.Parse(value.TextContent.Trim().Replace(",", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture);
        var chart = JsonDocument.Parse(page.GetElementById($"chart-data-{handle}")!.TextContent).RootElement;
        var plotted = chart.GetProperty("values").EnumerateArray().Select(v => decimal.Parse(v.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture)).ToList();
        // Sum features are drawn as the running total: its last point is the period's figure.
        figures["chart"] = plotted.Count == 0 ? 0 : aggregation == SelfService.Catalog.Aggregation.Max ? plotted.Max() : plotted[^1];

        foreach (var granularity in new[] { "day", "hour" })
        {
            var csv = await portal.Http.GetStringAsync($"/customers/{Customer}/usage?handler=csv&feature={handle}&period=current&granularity={granularity}");
            var rows = csv.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(l => l.Split(',')).ToList();
            figures[$"csv by {granularity}"] = Of(rows.Select(r => decimal.Parse(r[2], NumberStyles.Float, CultureInfo.InvariantCulture)).ToList());
            if (aggregation == SelfService.Catalog.Aggregation.Sum && rows.Count > 0)
                figures[$"csv by {granularity}, period to date"] = decimal.Parse(rows[^1][3], NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        using var api = App.ApiClient();
        var check = await (await api.GetAsync($"/api/v1/customers/{Customer}/entitlements/{handle}")).JsonOf(HttpStatusCode.OK);
        figures["check"] = Exact(check.GetProperty("usage"));
        var list = await (await api.GetAsync($"/api/v1/customers/{Customer}/entitlements")).JsonOf(HttpStatusCode.OK);
        figures["list"] = Exact(list.GetProperty("entitlements").EnumerateArray().Single(e => e.GetProperty("feature").GetString() == handle).GetProperty("usage"));
        var issued = await (await api.PostAsync($"/api/v1/customers/{Customer}/token", null)).JsonOf(HttpStatusCode.OK);
        var payload = TokenVerifier.Payload(issued.GetProperty("token").GetString()!);
        figures["token"] = Exact(payload.GetProperty("entitlements").GetProperty(handle).GetProperty("usage"));

        var matrix = await App.Get<UsageAnalytics>().MatrixAsync();
        var customerId = await App.CustomerId(Customer);
        figures["analytics"] = matrix.Rows.Single(r => r.CustomerId == customerId && r.FeatureId == feature.Id).Usage;
        return figures;
    }

    private static decimal Exact(JsonElement number) => decimal.Parse(number.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Every surface equals <paramref name="expected"/> exactly; the failure lists every surface that does not.</summary>
    private async Task AssertEverySurface(string handle, decimal expected, string when)
    {
        var figures = await Surfaces(handle);
        var wrong = figures.Where(f => f.Value != expected).Select(f => $"{f.Key} {Quantities.Invariant(f.Value)}").ToList();
        Assert.True(wrong.Count == 0, $"{handle} {when}: expected {Quantities.Invariant(expected)} everywhere; {string.Join("; ", wrong)}");
    }

    /// <summary>The same before and after a rollup.</summary>
    private async Task AssertEverySurfaceAroundARollup(string handle, decimal expected)
    {
        await AssertEverySurface(handle, expected, "before the rollup");
        await RollUp();
        await AssertEverySurface(handle, expected, "after the rollup");
    }

    /// <summary>Access as the check API, the list API and the token say it.</summary>
    private async Task<(bool Check, bool List, bool Token, string? Reason)> Access(string handle)
    {
        using var api = App.ApiClient();
        var check = await (await api.GetAsync($"/api/v1/customers/{Customer}/entitlements/{handle}")).JsonOf(HttpStatusCode.OK);
        var list = await (await api.GetAsync($"/api/v1/customers/{Customer}/entitlements")).JsonOf(HttpStatusCode.OK);
        var issued = await (await api.PostAsync($"/api/v1/customers/{Customer}/token", null)).JsonOf(HttpStatusCode.OK);
        var token = TokenVerifier.Payload(issued.GetProperty("token").GetString()!).GetProperty("entitlements").GetProperty(handle);
        var fromList = list.GetProperty("entitlements").EnumerateArray().Single(e => e.GetProperty("feature").GetString() == handle);
        return (check.GetProperty("hasAccess").GetBoolean(), fromList.GetProperty("hasAccess").GetBoolean(), token.GetProperty("hasAccess").GetBoolean(),
            check.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null);
    }

    private DateTime Now => App.Now;

    private static JsonNode Quantity(string id, string feature, string quantity, DateTime at)
    {
        var e = Event(id, Customer, feature, 0, at);
        e["quantity"] = JsonNode.Parse(quantity);
        return e;
    }

    [SkippableFact]
    public async Task TenthsThatAreNotBinaryFractions_ReachTheHardCapExactly_OnEverySurface_BeforeAndAfterTheRollup()
    {
        await CleanSlate();
        await Send(Quantity("fp-0", "api-calls", "9998", Now.AddMinutes(-20)));
        await Send(Quantity("fp-1", "api-calls", "0.2", Now.AddMinutes(-19)), Quantity("fp-2", "api-calls", "0.3", Now.AddMinutes(-18)),
            Quantity("fp-3", "api-calls", "0.3", Now.AddMinutes(-17)), Quantity("fp-4", "api-calls", "0.9", Now.AddMinutes(-16)),
            Quantity("fp-5", "api-calls", "0.3", Now.AddMinutes(-15)));

        await AssertEverySurface("api-calls", 10_000, "before the rollup");
        Assert.Equal((false, false, false, SelfService.Integration.DenialReasons.CapReached), await Access("api-calls"));
        await RollUp();
        await AssertEverySurface("api-calls", 10_000, "after the rollup");
        Assert.Equal((false, false, false, SelfService.Integration.DenialReasons.CapReached), await Access("api-calls"));
    }

    [SkippableFact]
    public async Task TenTimesOneTenth_IsOne_OnEverySurface()
    {
        await CleanSlate();
        await Send(Enumerable.Range(0, 10).Select(i => Quantity($"tenth-{i}", "api-calls", "0.1", Now.AddMinutes(-30 + i))).ToArray());
        await AssertEverySurfaceAroundARollup("api-calls", 1);
    }

    [SkippableFact]
    public async Task AnIdRetriedWithAQuantityOneApart_BeyondWhatADoubleHolds_IsAConflict_NotADuplicate()
    {
        await CleanSlate();
        await Send(Quantity("big-id", "api-calls", "9007199254740993", Now.AddMinutes(-5)));

        var retry = await App.Post(Quantity("big-id", "api-calls", "9007199254740992", Now.AddMinutes(-5)));
        Assert.Equal(HttpStatusCode.Conflict, retry.Status);
        Assert.Contains("quantity", retry.Errors["events[0].id"][0]);
        Assert.Equal(1, (await App.Post(Quantity("big-id", "api-calls", "9007199254740993.000", Now.AddMinutes(-5)))).Duplicates);
        await AssertEverySurfaceAroundARollup("api-calls", 9_007_199_254_740_993m);
    }

    [SkippableFact]
    public async Task SixteenDigitQuantities_KeepEveryDigit_InTheDailyAndHourlyCsv_AndThePage()
    {
        await CleanSlate();
        var today = Now.Date;
        await Send(Quantity("wide-1", "api-calls", "1000000000000123", today.AddHours(1)),
            Quantity("wide-2", "api-calls", "456", today.AddHours(2)),
            Quantity("wide-3", "api-calls", "789", today.AddHours(3)));
        await AssertEverySurfaceAroundARollup("api-calls", 1_000_000_000_001_368m);
    }

    [SkippableFact]
    public async Task TheLargestAndSmallestQuantities_AreExact_AndOnesBeyondThePrecision_AreRefusedNamingTheEvent()
    {
        await CleanSlate();
        var tooFine = await App.Post(Quantity("fine-ok", "api-calls", "1", Now), Quantity("too-fine", "api-calls", "1e-7", Now));
        Assert.Equal(HttpStatusCode.BadRequest, tooFine.Status);
        Assert.Equal(["events[1].quantity"], tooFine.Errors.Keys.ToArray());
        Assert.Contains("6 decimal places", tooFine.Errors["events[1].quantity"][0]);
        var tooLarge = await App.Post(Quantity("too-large", "api-calls", "1000000000000000000.5", Now));
        Assert.Equal(HttpStatusCode.BadRequest, tooLarge.Status);
        Assert.Contains("10^18", tooLarge.Errors["events[0].quantity"][0]);
        var tooLong = await App.Post(Quantity("too-long", "api-calls", "0.10000000000000000000000000000001", Now));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Status);

        await Send(Quantity("micro-1", "api-calls", "0.000001", Now.AddMinutes(-3)), Quantity("micro-2", "api-calls", "2e-6", Now.AddMinutes(-2)),
            Quantity("largest", "api-calls", "1e18", Now.AddMinutes(-1)));
        await AssertEverySurfaceAroundARollup("api-calls", 1_000_000_000_000_000_000.000003m);
    }

    [SkippableFact]
    public async Task EventsStampedIntoTheNextHour_CountOnEverySurface_ForSumMaxAndLatest()
    {
        await CleanSlate();
        App.Clock.SetUtcNow(UsageService.Hour(Now).AddMinutes(58));
        var ahead = Now.AddMinutes(4); // the next hour, within the 5-minute future tolerance
        await Send(Quantity("now-sum", "api-calls", "5", Now.AddMinutes(-1)), Quantity("ahead-sum", "api-calls", "7", ahead),
            Quantity("now-max", "storage-gb", "3.5", Now.AddMinutes(-1)), Quantity("ahead-max", "storage-gb", "4.25", ahead),
            Quantity("now-latest", "max-members", "2", Now.AddMinutes(-1)), Quantity("ahead-latest", "max-members", "4", ahead));
        await AssertEverySurface("api-calls", 12, "with an event in the next hour");
        await AssertEverySurface("storage-gb", 4.25m, "with an event in the next hour");
        await AssertEverySurface("max-members", 4, "with an event in the next hour");
    }

    [SkippableFact]
    public async Task ALatestReadingFromAnEarlierPeriod_IsThisPeriodsFigure_InTheChartAndCsvToo()
    {
        await CleanSlate(anchor: 19);
        // Anchor 19 and now 20 Nov 10:30: this period began yesterday; the reading is from the day before.
        await Send(Quantity("seats-earlier", "max-members", "8", new DateTime(2026, 11, 18, 12, 0, 0, DateTimeKind.Utc)));
        await AssertEverySurfaceAroundARollup("max-members", 8);
    }

    [SkippableFact]
    public async Task TwoLatestReadingsAtOneInstant_TheOneReceivedLastWins_OnEverySurface_BeforeAndAfterTheRollup()
    {
        await CleanSlate();
        var at = Now.AddMinutes(-10);
        await Send(Quantity("tie-a", "max-members", "3", at), Quantity("tie-b", "max-members", "7", at));
        await AssertEverySurface("max-members", 7, "two readings in one batch");
        await RollUp();
        await AssertEverySurface("max-members", 7, "two readings in one batch, rolled up");
        // A reading at the same instant as a rolled-up one, received later, wins too.
        await Send(Quantity("tie-c", "max-members", "5", at));
        await AssertEverySurfaceAroundARollup("max-members", 5);
    }

    public static TheoryData<int, string, string> Anchors => new()
    {
        // anchor day, the instant this period starts, and the previous period's start
        { 28, "2027-02-28", "2027-01-28" },
        { 29, "2027-02-28", "2027-01-29" },   // February without a 29th
        { 30, "2027-02-28", "2027-01-30" },
        { 31, "2027-02-28", "2027-01-31" },
        { 29, "2028-02-29", "2028-01-29" },   // a leap year
        { 31, "2027-04-30", "2027-03-31" },   // a 30-day month
        { 31, "2027-05-31", "2027-04-30" },   // after one
    };

    [SkippableTheory]
    [MemberData(nameof(Anchors))]
    public async Task AtPeriodEdges_OfShortMonthsAndLeapYears_TheEventsOnEachSideCountInTheirOwnPeriod(int anchor, string start, string previous)
    {
        var boundary = DateTime.SpecifyKind(DateTime.Parse(start, CultureInfo.InvariantCulture), DateTimeKind.Utc);
        Assert.Equal(boundary, UsagePeriod.Containing(boundary, anchor).Start);
        Assert.Equal(DateTime.SpecifyKind(DateTime.Parse(previous, CultureInfo.InvariantCulture), DateTimeKind.Utc), UsagePeriod.Containing(boundary.AddTicks(-10), anchor).Start);
        await CleanSlate(anchor);
        App.Clock.SetUtcNow(boundary.AddHours(36));
        await Send(Quantity("edge-before", "api-calls", "1000", boundary.AddTicks(-10)),
            Quantity("edge-first", "api-calls", "1.5", boundary),
            // The same instant written with an offset: 02:00+02:00 is midnight UTC.
            JsonNode.Parse($$"""{"id": "edge-offset", "customer": "globex", "feature": "api-calls", "quantity": 2.25, "timestamp": "{{boundary:yyyy-MM-dd}}T02:00:00+02:00"}""")!,
            Quantity("edge-later", "api-calls", "10", boundary.AddHours(30)));
        await AssertEverySurfaceAroundARollup("api-calls", 13.75m);
        var page = await (await PageClient.SignedInAs(App, Owner)).GetDocument($"/customers/{Customer}/usage");
        var text = page.ByTestId("current-period").TextContent;
        Assert.Contains($"This period: {boundary.ToString("d MMM yyyy", CultureInfo.InvariantCulture)}", text);
        if (anchor > 28) Assert.Contains("last day", text);
    }

    [SkippableFact]
    public async Task LateEvents_IntoRolledUpHours_AndIntoThePreviousPeriod_CountWhereTheyOccurred()
    {
        await CleanSlate(anchor: 20);
        // Anchor 20 and now 20 Nov 10:30: this period began at midnight.
        await Send(Quantity("late-base", "api-calls", "100", Now.AddHours(-2)));
        await RollUp();
        await Send(Quantity("late-same-hour", "api-calls", "0.5", Now.AddHours(-2).AddMinutes(-1)),
            Quantity("late-previous", "api-calls", "40", Now.Date.AddHours(-3)));
        await AssertEverySurfaceAroundARollup("api-calls", 100.5m);
    }

    [SkippableFact]
    public async Task Replays_BeforeAndAfterRollups_AndConcurrentIdenticalBatches_CountOnce()
    {
        await CleanSlate();
        var batch = Enumerable.Range(0, 40).Select(i => Quantity($"replay-{i}", "api-calls", "0.25", Now.AddMinutes(-40 + i))).ToArray();
        var replies = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var r = await App.Post(batch);
            while (r.Status == HttpStatusCode.ServiceUnavailable) r = await App.Post(batch);
            return r;
        })));
        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(40, replies.Sum(r => r.Accepted));
        await AssertEverySurface("api-calls", 10, "concurrent identical batches");
        Assert.Equal(40, (await App.Post(batch)).Duplicates);
        await RollUp();
        Assert.Equal(40, (await App.Post(batch)).Duplicates);
        await AssertEverySurfaceAroundARollup("api-calls", 10);
    }

    [SkippableFact]
    public async Task ARollupInChunksOfThreeEvents_GivesTheSameFiguresAsOneRun()
    {
        _configure = app => app.Settings["SelfService:Metering:RollupChunk"] = "3";
        await CleanSlate();
        await Send(Enumerable.Range(0, 20).Select(i => Quantity($"chunk-{i}", "api-calls", $"{i}.{i:D2}", Now.AddMinutes(-60 + 3 * i))).ToArray());
        await Send(Enumerable.Range(0, 7).Select(i => Quantity($"chunk-max-{i}", "storage-gb", $"{i % 4}.5", Now.AddMinutes(-50 + 5 * i))).ToArray());
        await AssertEverySurfaceAroundARollup("api-calls", Enumerable.Range(0, 20).Sum(i => i + i / 100m));
        await AssertEverySurface("storage-gb", 3.5m, "after the rollup");
    }
}

public sealed class SqliteUsageAgreementTests : UsageAgreementTests
{
    protected override MeteringApp CreateApp() => new();
}

public sealed class PostgreSqlUsageAgreementTests : UsageAgreementTests
{
    protected override MeteringApp CreateApp() => new() { Database = TestDatabase.PostgreSql };
}

public sealed class SqlServerUsageAgreementTests : UsageAgreementTests
{
    protected override MeteringApp CreateApp() => new() { Database = TestDatabase.SqlServer };
}
