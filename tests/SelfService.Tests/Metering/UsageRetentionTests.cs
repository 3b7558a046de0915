using System.Net;
using Dapper;
using SelfService.Data;
using SelfService.Metering;
using static SelfService.Tests.Metering.MeteringApp;

namespace SelfService.Tests.Metering;

/// <summary>Raw events are pruned once rolled up and past the retention; dedup holds for the retention window.</summary>
public sealed class UsageRetentionTests
{
    [Fact]
    public async Task RolledUpEvents_ArePrunedAfterTheRetention_AndDedupHoldsUntilThen()
    {
        using var app = new MeteringApp();
        // A lateness window nearly as long as the retention (the shortest allowed), so a retry can still arrive on the retention's last day.
        app.Settings["SelfService:Metering:LatenessWindow"] = "30.00:00:00";
        app.Settings["SelfService:Metering:Retention"] = "30.00:06:00";
        var at = app.Now.AddMinutes(-1);
        var e = Event("kept-for-retention", "globex", "api-calls", 5, at);
        Assert.Equal(1, (await app.Post(e)).Accepted);
        var rollup = app.Get<UsageRollup>();
        await rollup.RunAsync();
        var total = await app.Usage("globex", "api-calls", at.AddDays(-1), at.AddDays(1));

        app.Clock.Advance(TimeSpan.FromDays(29));
        Assert.Equal(0, (await rollup.RunAsync()).EventsPruned);
        var retry = await app.Post(e);
        Assert.Equal((0, 1), (retry.Accepted, retry.Duplicates));

        app.Clock.Advance(TimeSpan.FromDays(1).Add(TimeSpan.FromMinutes(10)));
        var pruned = await rollup.RunAsync();

        Assert.Equal(1, pruned.EventsPruned);
        Assert.Equal(0, await app.RawEventCount());
        Assert.Equal(total, await app.Usage("globex", "api-calls", at.AddDays(-1), at.AddDays(1)));
        // Once pruned, a retry is older than the lateness window, so it is refused rather than counted again.
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Post(e)).Status);
        Assert.Equal(total, await app.Usage("globex", "api-calls", at.AddDays(-1), at.AddDays(1)));
    }

    [Fact]
    public async Task EventsNotYetRolledUp_AreNeverPruned()
    {
        using var app = new MeteringApp();
        Assert.Equal(1, (await app.Post(Event("unrolled", "globex", "api-calls", 5, app.Now))).Accepted);
        app.Clock.Advance(TimeSpan.FromDays(40));
        var rollup = app.Get<UsageRollup>();

        var first = await rollup.RunAsync();

        Assert.Equal((1, 0), (first.EventsFolded, first.EventsPruned));
        Assert.Equal(1, await app.RawEventCount());
    }

    [Fact]
    public async Task AnEventStampedAheadAndRetriedOnTheLastDayItCanBeAccepted_IsStillADuplicate_UnderTheShortestRetention()
    {
        using var app = new MeteringApp();
        app.Settings["SelfService:Metering:Retention"] = "7.00:06:00"; // lateness 7 days + tolerance 5 minutes + lag 1 minute
        var before = await app.Usage("globex", "api-calls", app.Now.AddDays(-30), app.Now.AddDays(30));
        var at = app.Now.AddMinutes(5);
        var e = Event("ahead-and-retried", "globex", "api-calls", 1000, at);
        Assert.Equal(1, (await app.Post(e)).Accepted);
        var rollup = app.Get<UsageRollup>();
        app.Clock.Advance(TimeSpan.FromMinutes(2));
        await rollup.RunAsync();

        // The last second the retry is still within the lateness window of its timestamp.
        app.Clock.SetUtcNow(at.AddDays(7).AddSeconds(-1));
        await rollup.RunAsync();
        var retry = await app.Post(e);
        Assert.Equal((0, 1), (retry.Accepted, retry.Duplicates));
        Assert.Equal(before + 1000, await app.Usage("globex", "api-calls", at.AddDays(-30), at.AddDays(30)));

        // Past it, the retry is refused as too old, and only then may the event be pruned.
        app.Clock.Advance(TimeSpan.FromHours(2));
        await rollup.RunAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Post(e)).Status);
        Assert.Equal(before + 1000, await app.Usage("globex", "api-calls", at.AddDays(-30), at.AddDays(30)));
    }

    [Fact]
    public void ARetentionOfJustTheLatenessWindow_StopsStartUp_NamingTheSettingAndWhatItMustCover()
    {
        // The case: 7 days was accepted, and an event stamped 5 minutes ahead, pruned 7 days later, counted twice.
        var problem = Assert.Single(SelfService.Metering.MeteringOptions.Check(new SelfService.Metering.MeteringOptions { Retention = TimeSpan.FromDays(7) }));
        Assert.Equal("Retention", problem.Key);
        Assert.StartsWith("must not be shorter than SelfService:Metering:LatenessWindow + SelfService:Metering:FutureTolerance + the rollup's safety lag (7.00:06:00), not 7.00:00:00", problem.Problem);
        Assert.Empty(SelfService.Metering.MeteringOptions.Check(new SelfService.Metering.MeteringOptions { Retention = new TimeSpan(7, 0, 6, 0) }));
    }

    [Fact]
    public void RetentionShorterThanTheLatenessWindow_StopsStartUp_NamingTheSetting()
    {
        using var app = new MeteringApp();
        app.Settings["SelfService:Metering:Retention"] = "3.00:00:00";
        // The setting is checked while the app is composed, so the host is never built (the real program prints the one
        // line and exits 1: Startup/SettingsTests runs it); the rule names the setting and the one it contradicts.
        Assert.Throws<InvalidOperationException>(() => app.CreateClient());
        var problem = Assert.Single(SelfService.Metering.MeteringOptions.Check(new SelfService.Metering.MeteringOptions { Retention = TimeSpan.FromDays(3) }));
        Assert.Equal("Retention", problem.Key);
        Assert.StartsWith("must not be shorter than SelfService:Metering:LatenessWindow", problem.Problem);
    }

    [Fact]
    public async Task WithASafetyLag_TheRollupFoldsOnlyEventsOlderThanIt_AndReadsStillCountTheRest()
    {
        using var app = new MeteringApp();
        app.Settings["SelfService:Metering:RollupSafetyLag"] = "00:01:00";
        var before = await app.Usage("globex", "api-calls");
        Assert.Equal(1, (await app.Post(Event("lagged", "globex", "api-calls", 8, app.Now))).Accepted);
        var rollup = app.Get<UsageRollup>();

        Assert.Equal(0, (await rollup.RunAsync()).EventsFolded);
        Assert.Equal(before + 8, await app.Usage("globex", "api-calls"));

        app.Clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(1, (await rollup.RunAsync()).EventsFolded);
        Assert.Equal(before + 8, await app.Usage("globex", "api-calls"));
    }
}
