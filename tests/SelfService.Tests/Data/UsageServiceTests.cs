using Dapper;
using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Data;
using SelfService.Metering;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Data;

/// <summary>The usage service on a real database: rollups and not-yet-rolled events read as one.</summary>
public abstract class UsageServiceTests : IDisposable
{
    private AppFactory? _app;

    protected abstract AppFactory CreateApp();

    private AppFactory App => _app ??= CreateApp();

    public void Dispose() => _app?.Dispose();

    private async Task<(Customer Customer, Feature Calls, Feature Members, Feature Storage)> Acme()
    {
        await using var c = await App.Get<Db>().OpenAsync();
        // These tests read max-members as a reported Latest level, not as the demo's assigned seats.
        await c.ExecuteAsync("update Feature set AssignedSeats = @no where Handle = 'max-members'", new { no = false });
        var customer = await c.QuerySingleAsync<Customer>("select Id, ExternalKey, Name from Customer where ExternalKey = 'acme'");
        var features = (await App.Get<CatalogStore>().FeaturesAsync()).ToDictionary(f => f.Handle);
        return (customer, features["api-calls"], features["max-members"], features["storage-gb"]);
    }

    private async Task AddRawEvent(long customerId, long featureId, string id, double quantity, DateTime at)
    {
        var db = App.Get<Db>();
        await db.WriteAsync((c, tx) => c.ExecuteAsync(
            db.Dialect.InsertIgnoringDuplicates("UsageEvent", ["CustomerId", "FeatureId", "EventId", "Quantity", "OccurredAt", "ReceivedAt"], ["CustomerId", "EventId"]),
            new { CustomerId = customerId, FeatureId = featureId, EventId = id, Quantity = quantity, OccurredAt = at, ReceivedAt = at }, tx));
    }

    [SkippableFact]
    public async Task Totals_IncludeEventsTheRollupHasNotSeen()
    {
        var (acme, calls, members, storage) = await Acme();
        var service = App.Get<UsageService>();
        var period = UsagePeriod.Containing(App.Now, 1);
        await AddRawEvent(acme.Id, members.Id, "e0", 33, App.Now.AddDays(-2));
        await App.Get<UsageRollup>().RunAsync();
        var before = await service.TotalsAsync(acme.Id, [calls, members, storage], period.Start, period.End);
        Assert.Equal(86_000, before[calls.Id]); // the demo puts Acme at 86 % of its 100,000 calls
        Assert.Equal(33, before[members.Id]);

        await AddRawEvent(acme.Id, calls.Id, "e1", 1_500, App.Now.AddMinutes(-5));
        await AddRawEvent(acme.Id, members.Id, "e2", 36, App.Now.AddMinutes(-1));
        await AddRawEvent(acme.Id, storage.Id, "e3", 99.5, App.Now.AddMinutes(-2));

        var after = await service.TotalsAsync(acme.Id, [calls, members, storage], period.Start, period.End);
        Assert.Equal(87_500, after[calls.Id]);
        Assert.Equal(36, after[members.Id]);
        Assert.Equal(99.5m, after[storage.Id]);
    }

    [SkippableFact]
    public async Task Series_ByDay_AddsUpToThePeriodTotal_AndCarriesRawEvents()
    {
        var (acme, calls, members, _) = await Acme();
        var service = App.Get<UsageService>();
        var period = UsagePeriod.Containing(App.Now, 1);
        await AddRawEvent(acme.Id, members.Id, "s0", 33, App.Now.AddDays(-2));
        await AddRawEvent(acme.Id, calls.Id, "s1", 250, App.Now.AddMinutes(-10));

        var series = await service.SeriesAsync(acme.Id, [calls, members], period.Start, period.End, Granularity.Day);
        var total = await service.UsageAsync(acme.Id, calls, period);

        Assert.Equal(total, series[calls.Id].Sum(p => p.Value));
        Assert.All(series[calls.Id], p => Assert.Equal(TimeSpan.Zero, p.Start.TimeOfDay));
        Assert.Equal(DateTimeKind.Utc, series[calls.Id][0].Start.Kind);
        Assert.Equal(33, series[members.Id][^1].Value);

        var hourly = await service.SeriesAsync(acme.Id, [calls], App.Now.AddDays(-1), App.Now.AddHours(1), Granularity.Hour);
        Assert.Contains(hourly[calls.Id], p => p.Start == UsageService.Hour(App.Now.AddMinutes(-10)) && p.Value >= 250);
    }

    [SkippableFact]
    public async Task Series_CarriesAnEventStampedIntoTheNextHour_BeforeThatHourBegins()
    {
        var (acme, calls, members, _) = await Acme();
        var service = App.Get<UsageService>();
        App.Clock.Advance(TimeSpan.FromMinutes(28)); // 10:58
        var nextHour = UsageService.Hour(App.Now).AddHours(1);
        await AddRawEvent(acme.Id, calls.Id, "ahead", 7, nextHour.AddMinutes(2)); // within the 5-minute future tolerance
        await AddRawEvent(acme.Id, members.Id, "ahead-seats", 40, nextHour.AddMinutes(1));
        var period = UsagePeriod.Containing(App.Now, 1);

        foreach (var rolledUp in new[] { false, true })
        {
            if (rolledUp) await App.Get<UsageRollup>().RunAsync();
            var series = await service.SeriesAsync(acme.Id, [calls, members], period.Start, period.End, Granularity.Hour);
            var total = await service.TotalsAsync(acme.Id, [calls, members], period.Start, period.End);
            Assert.Contains(series[calls.Id], p => p.Start == nextHour && p.Value == 7);
            Assert.Equal(total[calls.Id], series[calls.Id].Sum(p => p.Value));
            Assert.Equal(new UsagePoint(nextHour, 40), series[members.Id][^1]);
            Assert.Equal(total[members.Id], series[members.Id][^1].Value);
        }
    }

    [SkippableFact]
    public async Task Series_OfALatestFeature_CarriesTheLastValueForward_FromAnEarlierPeriod()
    {
        var (acme, _, members, _) = await Acme();
        var service = App.Get<UsageService>();
        await using (var c = await App.Get<Db>().OpenAsync())
            await c.ExecuteAsync("delete from UsageHourly where CustomerId = @id and FeatureId = @f; delete from UsageEvent where CustomerId = @id and FeatureId = @f",
                new { id = acme.Id, f = members.Id });
        var period = UsagePeriod.Containing(App.Now, 1);
        await AddRawEvent(acme.Id, members.Id, "old-seats", 8, period.Start.AddDays(-3));

        foreach (var rolledUp in new[] { false, true })
        {
            if (rolledUp) await App.Get<UsageRollup>().RunAsync();
            var series = await service.SeriesAsync(acme.Id, [members], period.Start, period.End, Granularity.Day);
            Assert.Equal(8, (await service.TotalsAsync(acme.Id, [members], period.Start, period.End))[members.Id]);
            Assert.Equal(period.Start, series[members.Id][0].Start);
            Assert.Equal(DateTime.SpecifyKind(App.Now.Date, DateTimeKind.Utc), series[members.Id][^1].Start);
            Assert.All(series[members.Id], p => Assert.Equal(8, p.Value));
            Assert.Equal((App.Now.Date - period.Start).Days + 1, series[members.Id].Count);
        }
    }
}

public sealed class SqliteUsageServiceTests : UsageServiceTests
{
    protected override AppFactory CreateApp() => new();
}

public sealed class PostgreSqlUsageServiceTests : UsageServiceTests
{
    protected override AppFactory CreateApp() => new() { Database = TestDatabase.PostgreSql };
}

public sealed class SqlServerUsageServiceTests : UsageServiceTests
{
    protected override AppFactory CreateApp() => new() { Database = TestDatabase.SqlServer };
}
