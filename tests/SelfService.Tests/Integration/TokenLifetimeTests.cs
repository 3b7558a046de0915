using System.Net;
using System.Text.Json;
using Dapper;
using SelfService.Data;
using SelfService.Metering;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Metering;

namespace SelfService.Tests.Integration;

/// <summary>
/// A signed token is what an app decides on offline, so it never outlives what it says: it expires at the latest 15 minutes
/// after issue, and earlier when a grant it reflects ends or a scheduled grant starts, or when the period whose usage it
/// carries ends; it says when (and at which rollup watermark) its usage was read.
/// </summary>
public abstract class TokenLifetimeTests : IDisposable
{
    private MeteringApp? _app;

    protected abstract MeteringApp CreateApp();

    private MeteringApp App => _app ??= CreateApp();

    public void Dispose() => _app?.Dispose();

    private async Task<JsonElement> Issue(string customer)
    {
        using var api = App.ApiClient();
        return await (await api.PostAsync($"/api/v1/customers/{customer}/token", null)).JsonOf(HttpStatusCode.OK);
    }

    private static long Unix(DateTime utc) => new DateTimeOffset(utc).ToUnixTimeSeconds();

    private async Task SetGrantWindow(string customer, string feature, DateTime? from, DateTime? until)
    {
        var id = await App.CustomerId(customer);
        var featureId = (await App.Feature(feature)).Id;
        await App.Get<Db>().WriteAsync((c, tx) => c.ExecuteAsync("""
            update EntitlementGrant set ValidFrom = @from, ValidUntil = @until
             where FeatureId = @featureId and SubscriptionId in (select Id from Subscription where CustomerId = @id)
            """, new { from, until, featureId, id }, tx));
    }

    [SkippableFact]
    public async Task ATokenIssuedAMinuteBeforeATemporaryGrantEnds_ExpiresWhenTheGrantEnds()
    {
        var ends = App.Now.AddMinutes(1);
        await SetGrantWindow("umbrella", "4k-streaming", App.Now.AddDays(-5), ends);

        var issued = await Issue("umbrella");
        var payload = TokenVerifier.Payload(issued.GetProperty("token").GetString()!);

        Assert.True(payload.GetProperty("entitlements").GetProperty("4k-streaming").GetProperty("hasAccess").GetBoolean());
        Assert.Equal(Unix(ends), payload.GetProperty("exp").GetInt64());
        Assert.Equal(ends, issued.GetProperty("expiresAt").GetDateTime().ToUniversalTime());
    }

    [SkippableFact]
    public async Task ATokenIssuedBeforeAScheduledGrantStarts_ExpiresWhenItStarts()
    {
        var starts = App.Now.AddMinutes(3);
        await SetGrantWindow("umbrella", "4k-streaming", starts, starts.AddDays(2));

        var payload = TokenVerifier.Payload((await Issue("umbrella")).GetProperty("token").GetString()!);

        // Not entitled yet: absent, or present without access.
        Assert.False(payload.GetProperty("entitlements").TryGetProperty("4k-streaming", out var fourK) && fourK.GetProperty("hasAccess").GetBoolean());
        Assert.Equal(Unix(starts), payload.GetProperty("exp").GetInt64());
    }

    [SkippableFact]
    public async Task ATokenIssuedFiveMinutesBeforeThePeriodEnds_ExpiresWithThePeriod_AndOtherwiseLastsFifteenMinutes()
    {
        var plain = TokenVerifier.Payload((await Issue("acme")).GetProperty("token").GetString()!);
        Assert.Equal(15 * 60, plain.GetProperty("exp").GetInt64() - plain.GetProperty("iat").GetInt64());

        var periodEnd = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc); // Acme's anchor day is the 1st
        App.Clock.SetUtcNow(periodEnd.AddMinutes(-5));
        var payload = TokenVerifier.Payload((await Issue("acme")).GetProperty("token").GetString()!);

        Assert.Equal(Unix(periodEnd), payload.GetProperty("exp").GetInt64());
    }

    [SkippableFact]
    public async Task TheToken_SaysWhenAndAtWhichRollupWatermarkItsUsageWasRead()
    {
        await App.Get<UsageRollup>().RunAsync();
        var watermark = (await App.Get<UsageRollup>().RunAsync()).Watermark;
        Assert.Equal(1, (await App.Post(MeteringApp.Event("as-of-1", "acme", "api-calls", 2.5m, App.Now))).Accepted);

        var payload = TokenVerifier.Payload((await Issue("acme")).GetProperty("token").GetString()!);

        var asOf = payload.GetProperty("usage_as_of");
        Assert.Equal(App.Now, asOf.GetProperty("at").GetDateTime().ToUniversalTime());
        Assert.Equal(watermark, asOf.GetProperty("watermark").GetInt64());
    }
}

public sealed class SqliteTokenLifetimeTests : TokenLifetimeTests
{
    protected override MeteringApp CreateApp() => new();
}

public sealed class PostgreSqlTokenLifetimeTests : TokenLifetimeTests
{
    protected override MeteringApp CreateApp() => new() { Database = TestDatabase.PostgreSql };
}

public sealed class SqlServerTokenLifetimeTests : TokenLifetimeTests
{
    protected override MeteringApp CreateApp() => new() { Database = TestDatabase.SqlServer };
}
