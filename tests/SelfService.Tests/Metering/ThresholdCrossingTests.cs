using System.Net;
using Dapper;
using SelfService.Data;
using SelfService.Metering;
using SelfService.Notifications;
using static SelfService.Tests.Metering.MeteringApp;

namespace SelfService.Tests.Metering;

/// <summary>Crossing 80 % and 100 % of a cap: recorded once per customer, feature, period and threshold, with a notification.</summary>
public sealed class ThresholdCrossingTests
{
    private static async Task<IReadOnlyList<Notification>> Notifications(MeteringApp app, string customer)
    {
        await using var c = await app.Get<Db>().OpenAsync();
        var userId = await c.ExecuteScalarAsync<long>("select Id from AppUser where Email = @email", new { email = $"owner@{customer}.example" });
        return (await app.Get<NotificationService>().ForUserAsync(userId, await app.CustomerId(customer)))
            .Where(n => n.Kind == ThresholdMonitor.NotificationKind).ToList();
    }

    [Fact]
    public async Task CrossingEightyThenAHundredPercent_IsRecordedOnceEach_WithANotificationLinkingToUsage()
    {
        using var app = new MeteringApp();
        var acme = await app.CustomerId("acme");
        var calls = await app.Feature("api-calls");
        var monitor = app.Get<ThresholdMonitor>();
        var rollup = app.Get<UsageRollup>();
        Assert.Empty(await monitor.ForCustomerAsync(acme));

        // Acme is at 86 % of its 100,000 calls: the next folded event records the 80 % crossing.
        Assert.Equal(HttpStatusCode.OK, (await app.Post(Event("t-1", "acme", "api-calls", 1, app.Now))).Status);
        await rollup.RunAsync();

        var eighty = Assert.Single(await monitor.ForCustomerAsync(acme));
        Assert.Equal((calls.Id, 80, 100_000L, 86_001m), (eighty.FeatureId, eighty.Threshold, eighty.Cap, eighty.Usage));
        var note = Assert.Single(await Notifications(app, "acme"));
        Assert.Equal("/customers/acme/usage", note.Link);
        Assert.Equal("API calls: 80 % of your cap used", note.Title);
        Assert.Contains("86,001 of 100,000 calls", note.Body);

        Assert.Equal(HttpStatusCode.OK, (await app.Post(Event("t-2", "acme", "api-calls", 13_999, app.Now))).Status);
        await rollup.RunAsync();
        Assert.Equal(HttpStatusCode.OK, (await app.Post(Event("t-3", "acme", "api-calls", 5, app.Now))).Status);
        await rollup.RunAsync();

        var crossings = await monitor.ForCustomerAsync(acme);
        Assert.Equal([80, 100], crossings.Select(c => c.Threshold));
        Assert.Equal(eighty.PeriodStart, crossings[1].PeriodStart);
        Assert.Equal(2, (await Notifications(app, "acme")).Count);
        await using var c = await app.Get<Db>().OpenAsync();
        var keys = await c.QueryAsync<string>("select DedupKey from Notification where Kind = @kind order by DedupKey", new { kind = ThresholdMonitor.NotificationKind });
        Assert.Equal([$"threshold:{acme}:{calls.Id}:{eighty.PeriodStart:yyyyMMdd}:100", $"threshold:{acme}:{calls.Id}:{eighty.PeriodStart:yyyyMMdd}:80"], keys);
    }

    [Fact]
    public async Task ThresholdsAreConfigurable_AndUsageAlreadyPastSeveralRecordsEachOnce()
    {
        using var app = new MeteringApp();
        app.Settings["SelfService:Metering:Thresholds:0"] = "50";
        app.Settings["SelfService:Metering:Thresholds:1"] = "90";
        var initech = await app.CustomerId("initech");
        var rollup = app.Get<UsageRollup>();

        // Initech is over its soft cap already.
        await app.Post(Event("i-1", "initech", "api-calls", 1, app.Now));
        await rollup.RunAsync();
        await app.Post(Event("i-2", "initech", "api-calls", 1, app.Now));
        await rollup.RunAsync();

        Assert.Equal([50, 90], (await app.Get<ThresholdMonitor>().ForCustomerAsync(initech)).Select(c => c.Threshold));
        // Both crossings are recorded; the customer gets one notice, for where usage is: past the cap.
        var note = Assert.Single(await Notifications(app, "initech"));
        Assert.StartsWith("API calls: cap reached (", note.Title);
    }

    [Fact]
    public async Task CrossingEightyAndAHundredPercentInOneRollup_SendsOneNotice_TitledForTheCap()
    {
        using var app = new MeteringApp();
        var globex = await app.CustomerId("globex");
        var calls = await app.Feature("api-calls");
        var period = UsagePeriod.Containing(app.Now, 15);
        var used = await app.Get<UsageService>().UsageAsync(globex, calls, period);
        Assert.True(used < 8_000, $"Globex's demo usage {used} is meant to be well under 80 % of 10,000");

        Assert.Equal(HttpStatusCode.OK, (await app.Post(Event("g-over", "globex", "api-calls", 10_001 - used, app.Now))).Status);
        await app.Get<UsageRollup>().RunAsync();

        Assert.Equal([80, 100], (await app.Get<ThresholdMonitor>().ForCustomerAsync(globex)).Select(c => c.Threshold));
        var note = Assert.Single(await Notifications(app, "globex"));
        Assert.Equal("API calls: cap reached (100 % used)", note.Title);
        Assert.Contains("10,001 of 10,000 calls used", note.Body);
        Assert.Contains("Further use is refused until the period ends.", note.Body);
    }

    [Fact]
    public async Task ALateEventCrossingAThresholdOfAPeriodThatIsOver_IsWordedForThePast()
    {
        using var app = new MeteringApp();
        var globex = await app.CustomerId("globex");
        var calls = await app.Feature("api-calls");
        var previous = UsagePeriod.Containing(app.Now, 15).Previous(15);
        var used = await app.Get<UsageService>().UsageAsync(globex, calls, previous);
        Assert.True(used < 10_000, $"Globex's previous period {used} is meant to be under its cap");

        // The period ended on 15 Nov; an event of its last day arrives now (20 Nov), within the lateness window.
        var quantity = used < 8_000 ? 8_000 - used : 0.5m;
        Assert.Equal(HttpStatusCode.OK, (await app.Post(Event("g-late", "globex", "api-calls", quantity, previous.End.AddHours(-2)))).Status);
        await app.Get<UsageRollup>().RunAsync();

        var crossing = Assert.Single(await app.Get<ThresholdMonitor>().ForCustomerAsync(globex));
        Assert.Equal((80, previous.Start), (crossing.Threshold, crossing.PeriodStart));
        var note = Assert.Single(await Notifications(app, "globex"));
        Assert.Equal("API calls: 80 % of the cap was used in the period that ended 14 Nov", note.Title);
        Assert.Contains("which has ended", note.Body);
        Assert.DoesNotContain("refused", note.Body);
    }

    [Fact]
    public async Task UsageBelowEveryThreshold_RecordsNothing()
    {
        using var app = new MeteringApp();
        var hooli = await app.CustomerId("hooli");
        var calls = await app.Feature("api-calls");
        await app.Post(Event("h-1", "hooli", "api-calls", 10, app.Now));
        await app.Get<UsageRollup>().RunAsync();
        Assert.DoesNotContain(await app.Get<ThresholdMonitor>().ForCustomerAsync(hooli), c => c.FeatureId == calls.Id);
        Assert.Empty(await Notifications(app, "hooli"));
    }
}
