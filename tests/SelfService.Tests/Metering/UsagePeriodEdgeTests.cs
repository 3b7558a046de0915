using System.Net;
using Dapper;
using SelfService.Data;
using SelfService.Metering;
using static SelfService.Tests.Metering.MeteringApp;

namespace SelfService.Tests.Metering;

/// <summary>Monthly periods from the billing anchor day, in UTC, through ingestion, reads and the rollup.</summary>
public sealed class UsagePeriodEdgeTests
{
    [Fact]
    public void AnchorDay31_InA30DayMonth_FallsOnThe30th_AndInFebruaryOnItsLastDay()
    {
        var november = UsagePeriod.Containing(new DateTime(2026, 11, 20, 0, 0, 0, DateTimeKind.Utc), 31);
        Assert.Equal(new DateTime(2026, 10, 31, 0, 0, 0, DateTimeKind.Utc), november.Start);
        Assert.Equal(new DateTime(2026, 11, 30, 0, 0, 0, DateTimeKind.Utc), november.End);
        var next = november.Next(31);
        Assert.Equal(new DateTime(2026, 12, 31, 0, 0, 0, DateTimeKind.Utc), next.End);
        var february = UsagePeriod.Containing(new DateTime(2027, 2, 15, 0, 0, 0, DateTimeKind.Utc), 31);
        Assert.Equal((new DateTime(2027, 1, 31, 0, 0, 0, DateTimeKind.Utc), new DateTime(2027, 2, 28, 0, 0, 0, DateTimeKind.Utc)), (february.Start, february.End));
        Assert.Equal(new DateTime(2027, 3, 31, 0, 0, 0, DateTimeKind.Utc), february.Next(31).End);
    }

    [Fact]
    public async Task EventsAtTheLastTickOfAPeriod_AndTheFirstTickOfTheNext_LandInDifferentPeriods_BeforeAndAfterTheRollup()
    {
        using var app = new MeteringApp();
        var globex = await app.CustomerId("globex");
        await app.Get<Db>().WriteAsync((c, tx) => c.ExecuteAsync("update Subscription set BillingAnchorDay = 31 where CustomerId = @globex", new { globex }, tx));
        var boundary = new DateTime(2026, 11, 30, 0, 0, 0, DateTimeKind.Utc);
        app.Clock.SetUtcNow(boundary.AddMinutes(2));
        var feature = await app.Feature("api-calls");
        var usage = app.Get<UsageService>();
        var ending = UsagePeriod.Containing(boundary.AddTicks(-1), 31);
        var starting = UsagePeriod.Containing(boundary, 31);
        Assert.Equal(boundary, ending.End);
        Assert.Equal(boundary, starting.Start);
        var endingBefore = await usage.UsageAsync(globex, feature, ending);
        var startingBefore = await usage.UsageAsync(globex, feature, starting);

        var reply = await app.Post(
            Event("last-tick", "globex", "api-calls", 3, boundary.AddTicks(-1)),
            Event("first-tick", "globex", "api-calls", 40, boundary));
        Assert.Equal(HttpStatusCode.OK, reply.Status);

        Assert.Equal(endingBefore + 3, await usage.UsageAsync(globex, feature, ending));
        Assert.Equal(startingBefore + 40, await usage.UsageAsync(globex, feature, starting));
        await app.Get<UsageRollup>().RunAsync();
        Assert.Equal(endingBefore + 3, await usage.UsageAsync(globex, feature, ending));
        Assert.Equal(startingBefore + 40, await usage.UsageAsync(globex, feature, starting));
    }
}
