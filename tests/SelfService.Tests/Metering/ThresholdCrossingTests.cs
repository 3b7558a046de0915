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
        Assert.Equal(2, (await Notifications(app, "initech")).Count);
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
