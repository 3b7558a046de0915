using System.Net;
using System.Text.Json;
using Dapper;
using SelfService.Api;
using SelfService.Data;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Integration;

/// <summary>GET /api/v1/customers/{customer}/entitlements[/{feature}] against the seeded demo.</summary>
public abstract class EntitlementCheckTests(AppFactory app)
{
    private static JsonElement Feature(JsonElement account, string handle) =>
        account.GetProperty("entitlements").EnumerateArray().Single(e => e.GetProperty("feature").GetString() == handle);

    [SkippableFact]
    public async Task ListEntitlements_GivesEveryEffectiveEntitlement_WithValueUsageRemainingPeriodAndSources()
    {
        var client = await ApiTestClient.Reader(app);

        var account = await (await client.GetAsync("/api/v1/customers/acme/entitlements")).JsonOf(HttpStatusCode.OK);

        Assert.Equal("acme", account.GetProperty("customer").GetString());
        Assert.Equal("business", account.GetProperty("plan").GetProperty("code").GetString());
        Assert.Equal("active", account.GetProperty("subscriptionStatus").GetString());
        Assert.Equal(new[] { "api-calls", "max-members", "storage-gb" },
            account.GetProperty("entitlements").EnumerateArray().Select(e => e.GetProperty("feature").GetString()).ToArray());

        var members = Feature(account, "max-members");
        Assert.Equal(40, members.GetProperty("limit").GetInt64());
        Assert.Equal(new[] { "plan", "add-on", "grant" }, members.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("kind").GetString()).ToArray());
        Assert.Equal(JsonValueKind.Null, members.GetProperty("periodStart").ValueKind); // seats in use now: no period

        var calls = Feature(account, "api-calls");
        Assert.Equal(100_000, calls.GetProperty("limit").GetInt64());
        Assert.Equal(86_000, calls.GetProperty("usage").GetDouble());
        Assert.Equal(14_000, calls.GetProperty("remaining").GetDouble());
        Assert.False(calls.GetProperty("hardCap").GetBoolean());
        Assert.Equal(new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), calls.GetProperty("periodStart").GetDateTime());
        Assert.Equal(new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc), calls.GetProperty("periodEnd").GetDateTime());
    }

    /// <summary>No client sends a NUL; PostgreSQL refuses one in text, so it must never reach a query as a 500.</summary>
    [SkippableFact]
    public async Task Check_WithANulInTheQueryString_IsA400ProblemNamingTheParameter()
    {
        var client = await ApiTestClient.Reader(app);
        foreach (var url in new[] { "/api/v1/customers/acme/entitlements/api-calls?requested=1%00", "/api/v1/customers/acme/entitlements?country=D%00E" })
        {
            var problem = await (await client.Send(HttpMethod.Get, url)).Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);
            Assert.Equal([url.Split('?')[1].Split('=')[0]], problem.ErrorFields());
        }
    }

    [SkippableFact]
    public async Task Check_FeatureWithinCap_HasAccess_WithLimitUsageRemainingAndSources()
    {
        var client = await ApiTestClient.Reader(app);

        var check = await (await client.GetAsync("/api/v1/customers/globex/entitlements/api-calls")).JsonOf(HttpStatusCode.OK);

        Assert.True(check.GetProperty("hasAccess").GetBoolean());
        Assert.Equal(JsonValueKind.Null, check.GetProperty("reason").ValueKind);
        Assert.Equal(10_000, check.GetProperty("limit").GetInt64());
        Assert.False(check.GetProperty("unlimited").GetBoolean());
        Assert.Equal(3_500, check.GetProperty("usage").GetDouble());
        Assert.Equal(6_500, check.GetProperty("remaining").GetDouble());
        Assert.False(check.GetProperty("overage").GetBoolean());
        Assert.Equal(new DateTime(2026, 11, 15, 0, 0, 0, DateTimeKind.Utc), check.GetProperty("periodStart").GetDateTime());
        Assert.Equal("Starter", check.GetProperty("sources")[0].GetProperty("name").GetString());
    }

    [SkippableTheory]
    [InlineData("6500", true, null)]
    [InlineData("6501", false, "cap-reached")]
    [InlineData("0.5", true, null)]
    public async Task Check_Requested_AnswersWhetherNMoreFitUnderAHardCap(string requested, bool allowed, string? reason)
    {
        var client = await ApiTestClient.Reader(app);

        var check = await (await client.GetAsync($"/api/v1/customers/globex/entitlements/api-calls?requested={requested}")).JsonOf(HttpStatusCode.OK);

        Assert.Equal(allowed, check.GetProperty("hasAccess").GetBoolean());
        Assert.Equal(reason, check.GetProperty("reason").GetString());
        Assert.False(check.GetProperty("overage").GetBoolean());
    }

    [SkippableFact]
    public async Task Check_SoftCapExceeded_AllowsAndFlagsOverage()
    {
        var client = await ApiTestClient.Reader(app);

        var check = await (await client.GetAsync("/api/v1/customers/initech/entitlements/api-calls")).JsonOf(HttpStatusCode.OK);

        Assert.True(check.GetProperty("hasAccess").GetBoolean());
        Assert.True(check.GetProperty("overage").GetBoolean());
        Assert.Equal(112_000, check.GetProperty("usage").GetDouble());
        Assert.Equal(0, check.GetProperty("remaining").GetDouble());
        Assert.Equal(JsonValueKind.Null, check.GetProperty("reason").ValueKind);
    }

    [SkippableFact]
    public async Task Check_SoftCapWithRoomLeft_FlagsOverageOnlyForARequestBeyondTheCap()
    {
        var client = await ApiTestClient.Reader(app);

        var within = await (await client.GetAsync("/api/v1/customers/acme/entitlements/api-calls?requested=14000")).JsonOf(HttpStatusCode.OK);
        var beyond = await (await client.GetAsync("/api/v1/customers/acme/entitlements/api-calls?requested=14001")).JsonOf(HttpStatusCode.OK);

        Assert.True(within.GetProperty("hasAccess").GetBoolean());
        Assert.False(within.GetProperty("overage").GetBoolean());
        Assert.True(beyond.GetProperty("hasAccess").GetBoolean());
        Assert.True(beyond.GetProperty("overage").GetBoolean());
    }

    [SkippableFact]
    public async Task Check_BooleanFeatureNotEntitled_DeniesWithNoEntitlement()
    {
        var client = await ApiTestClient.Reader(app);

        var check = await (await client.GetAsync("/api/v1/customers/acme/entitlements/sso")).JsonOf(HttpStatusCode.OK);

        Assert.False(check.GetProperty("hasAccess").GetBoolean());
        Assert.Equal("no-entitlement", check.GetProperty("reason").GetString());
        Assert.Empty(check.GetProperty("sources").EnumerateArray());
    }

    [SkippableFact]
    public async Task Check_TemporaryGrant_GivesAccess_WithTheGrantAsSource()
    {
        var client = await ApiTestClient.Reader(app);

        var check = await (await client.GetAsync("/api/v1/customers/umbrella/entitlements/4k-streaming")).JsonOf(HttpStatusCode.OK);

        Assert.True(check.GetProperty("hasAccess").GetBoolean());
        var source = check.GetProperty("sources").EnumerateArray().Single();
        Assert.Equal("grant", source.GetProperty("kind").GetString());
        Assert.Equal(app.Now.AddDays(2), source.GetProperty("validUntil").GetDateTime());
    }

    [SkippableFact]
    public async Task Check_UnlimitedFeature_HasAccessWithNoLimit()
    {
        var client = await ApiTestClient.Reader(app);

        var check = await (await client.GetAsync("/api/v1/customers/hooli/entitlements/max-members?requested=100000")).JsonOf(HttpStatusCode.OK);

        Assert.True(check.GetProperty("hasAccess").GetBoolean());
        Assert.True(check.GetProperty("unlimited").GetBoolean());
        Assert.Equal(JsonValueKind.Null, check.GetProperty("limit").ValueKind);
        Assert.Equal(JsonValueKind.Null, check.GetProperty("remaining").ValueKind);
    }

    [SkippableFact]
    public async Task Check_IncludesAUsageEventAcceptedAMomentAgo()
    {
        var client = await ApiTestClient.Reader(app);
        var before = await (await client.GetAsync("/api/v1/customers/hooli/entitlements/api-calls")).JsonOf(HttpStatusCode.OK);

        var db = app.Get<Db>();
        await db.WriteAsync(async (c, tx) =>
        {
            var ids = await c.QuerySingleAsync<(long Customer, long Feature)>(
                "select c.Id, f.Id from Customer c, Feature f where c.ExternalKey = 'hooli' and f.Handle = 'api-calls'", transaction: tx);
            await c.ExecuteAsync("insert into UsageEvent (CustomerId, FeatureId, EventId, Quantity, OccurredAt, ReceivedAt) values (@c, @f, @e, 250, @now, @now)",
                new { c = ids.Customer, f = ids.Feature, e = Guid.NewGuid().ToString(), now = app.Now }, tx);
        });
        var after = await (await client.GetAsync("/api/v1/customers/hooli/entitlements/api-calls")).JsonOf(HttpStatusCode.OK);

        Assert.Equal(before.GetProperty("usage").GetDouble() + 250, after.GetProperty("usage").GetDouble());
    }

    [SkippableFact]
    public async Task Check_UnknownCustomer_Is404ProblemJson()
    {
        var client = await ApiTestClient.Reader(app);

        var problem = await (await client.GetAsync("/api/v1/customers/nobody/entitlements/sso")).Problem(HttpStatusCode.NotFound, ApiProblems.NotFound);
        await (await client.GetAsync("/api/v1/customers/nobody/entitlements")).Problem(HttpStatusCode.NotFound, ApiProblems.NotFound);

        Assert.Contains("nobody", problem.GetProperty("detail").GetString());
    }

    [SkippableFact]
    public async Task Check_UnknownFeature_Is404ProblemJson()
    {
        var client = await ApiTestClient.Reader(app);

        var problem = await (await client.GetAsync("/api/v1/customers/acme/entitlements/teleportation")).Problem(HttpStatusCode.NotFound, ApiProblems.NotFound);

        Assert.Contains("teleportation", problem.GetProperty("detail").GetString());
    }

    [SkippableTheory]
    [InlineData("lots")]
    [InlineData("-1")]
    [InlineData("NaN")]
    public async Task Check_RequestedNotANonNegativeNumber_Is400NamingRequested(string requested)
    {
        var client = await ApiTestClient.Reader(app);

        var problem = await (await client.GetAsync($"/api/v1/customers/acme/entitlements/api-calls?requested={requested}")).Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);

        Assert.Equal(new[] { "requested" }, problem.ErrorFields());
    }

    [SkippableFact]
    public async Task Check_WithoutAKey_Is401_AndWithAKeyLackingTheScope_Is403()
    {
        var anonymous = app.CreateClient();
        var meteringOnly = await ApiTestClient.WithScopes(app, ApiScopes.UsageWrite);

        await (await anonymous.GetAsync("/api/v1/customers/acme/entitlements/sso")).Problem(HttpStatusCode.Unauthorized, ApiProblems.Unauthorized);
        await (await meteringOnly.GetAsync("/api/v1/customers/acme/entitlements/sso")).Problem(HttpStatusCode.Forbidden, ApiProblems.Forbidden);
        await (await meteringOnly.GetAsync("/api/v1/customers/acme/entitlements")).Problem(HttpStatusCode.Forbidden, ApiProblems.Forbidden);
        await (await meteringOnly.PostAsync("/api/v1/customers/acme/token", null)).Problem(HttpStatusCode.Forbidden, ApiProblems.Forbidden);
    }
}

/// <summary>The per-key rate limit, on a host allowing two requests a minute.</summary>
public sealed class EntitlementCheckRateLimitTests : IDisposable
{
    private readonly AppFactory _app = new()
    {
        Settings = { ["SelfService:Api:RatePermits"] = "2", ["SelfService:Api:RateWindowSeconds"] = "60", ["SelfService:Api:FailedAuthenticationPermits"] = "2" },
    };

    [Fact]
    public async Task Check_BeyondTheKeysRateLimit_Is429WithRetryAfter()
    {
        var client = await ApiTestClient.Reader(_app);
        for (var i = 0; i < 2; i++) await (await client.GetAsync("/api/v1/customers/acme/entitlements/sso")).JsonOf(HttpStatusCode.OK);

        var response = await client.GetAsync("/api/v1/customers/acme/entitlements/sso");

        await response.Problem(HttpStatusCode.TooManyRequests, ApiProblems.RateLimited);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        var other = await ApiTestClient.Reader(_app);
        await (await other.GetAsync("/api/v1/customers/acme/entitlements/sso")).JsonOf(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RespellingTheAuthorizationHeader_DoesNotGiveTheSameKeyAFreshAllowance()
    {
        var (_, key) = await _app.Get<ApiKeyStore>().CreateAsync("spellings", [ApiScopes.EntitlementsRead], "tests");
        var statuses = new List<HttpStatusCode>();
        foreach (var header in new[] { $"Bearer {key}", $"bearer {key}", $"BEARER {key}", $"Bearer  {key}", $"Bearer {key} " })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/customers/acme/entitlements/sso");
            request.Headers.TryAddWithoutValidation("Authorization", header);
            statuses.Add((await _app.CreateClient().SendAsync(request)).StatusCode);
        }
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task FailedAuthentications_AreLimitedPerClientAddress_AndTheAnswerSaysTheLimit()
    {
        var (_, key) = await _app.Get<ApiKeyStore>().CreateAsync("guessed", [ApiScopes.EntitlementsRead], "tests");
        var guessing = _app.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            guessing.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key[..^4] + $"x{i:000}");
            statuses.Add((await guessing.GetAsync("/api/v1/customers/acme/entitlements/sso")).StatusCode);
        }
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        var problem = await (await guessing.GetAsync("/api/v1/customers/acme/entitlements/sso")).Problem(HttpStatusCode.TooManyRequests, ApiProblems.RateLimited);
        Assert.Contains("SelfService:Api:FailedAuthenticationPermits", problem.GetProperty("detail").GetString());

        // The real key, whose prefix the guesses shared, still has its own allowance.
        var owner = _app.CreateClient();
        owner.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        await (await owner.GetAsync("/api/v1/customers/acme/entitlements/sso")).JsonOf(HttpStatusCode.OK);
    }

    public void Dispose() => _app.Dispose();
}

public sealed class SqliteEntitlementCheckTests(SqliteApp app) : EntitlementCheckTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlEntitlementCheckTests(PostgreSqlApp app) : EntitlementCheckTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerEntitlementCheckTests(SqlServerApp app) : EntitlementCheckTests(app), IClassFixture<SqlServerApp>;
