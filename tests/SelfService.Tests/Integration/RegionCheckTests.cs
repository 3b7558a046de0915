using System.Net;
using System.Text.Json;
using SelfService.Api;
using SelfService.Audit;
using SelfService.Catalog;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Integration;

/// <summary>
/// Geo-fenced entitlements through the API: region rules on a plan and on grants, checks per country, the embargo list,
/// the policy for a check without a country, and bad codes.
/// </summary>
public abstract class RegionCheckTests(AppFactory app)
{
    private static string NewKey(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..16];

    /// <summary>
    /// A plan of the streaming family with 4K everywhere except the US and 2 streams in the EU only, and a new customer on it.
    /// </summary>
    private async Task<(HttpClient Client, string Customer)> CustomerOnGeoPlan()
    {
        var catalog = await app.Get<CatalogStore>().SnapshotAsync();
        var fourK = catalog.Features.Single(f => f.Handle == "4k-streaming");
        var streams = catalog.Features.Single(f => f.Handle == "max-simultaneous-streams");
        var code = NewKey("geo");
        var input = OfferInput.BlankPlan(catalog);
        input.Code = code;
        input.Family = "streaming";
        input.Name = "Geo " + code;
        input.Price = "20";
        foreach (var row in input.Entitlements)
        {
            if (row.FeatureId == fourK.Id) (row.Value, row.RegionMode, row.Places) = ("included", "except", "us");
            if (row.FeatureId == streams.Id) (row.Value, row.RegionMode, row.Places) = ("2", "only", "EU");
        }
        var saved = await app.Get<CatalogEditor>().SavePlanAsync(null, input, "operator@vendor.example");
        Assert.True(saved.Ok, string.Join("; ", saved.Errors.Select(e => $"{e.Key}: {e.Value}")));

        var client = await ApiTestClient.Provisioner(app);
        var customer = NewKey("cust");
        await (await client.Send(HttpMethod.Put, $"/api/v1/customers/{customer}", """{"name":"Geo Films"}""")).JsonOf(HttpStatusCode.Created);
        await (await client.Send(HttpMethod.Put, $"/api/v1/customers/{customer}/subscription", $$"""{"plan":"{{code}}","billingAnchorDay":1}""")).JsonOf(HttpStatusCode.Created);
        return (client, customer);
    }

    private static async Task<JsonElement> Check(HttpClient client, string customer, string feature, string? country) =>
        await (await client.GetAsync($"/api/v1/customers/{customer}/entitlements/{feature}{(country is null ? "" : "?country=" + country)}")).JsonOf(HttpStatusCode.OK);

    [SkippableFact]
    public async Task Check_PerCountry_PlanEverywhereExceptUs_PlusAGrantInTheUs_Is4kEverywhere()
    {
        var (client, customer) = await CustomerOnGeoPlan();
        Assert.Equal("region-not-allowed", (await Check(client, customer, "4k-streaming", "US")).GetProperty("reason").GetString());

        var grant = await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{customer}/grants",
            """{"feature":"4k-streaming","value":true,"reason":"US launch","regions":{"only":["us"]}}""")).JsonOf(HttpStatusCode.Created);

        Assert.Equal(["US"], grant.GetProperty("regions").GetProperty("only").EnumerateArray().Select(c => c.GetString()));
        foreach (var country in new[] { "US", "DE", "GB", "JP", "us" })
            Assert.True((await Check(client, customer, "4k-streaming", country)).GetProperty("hasAccess").GetBoolean(), country);
        var us = await Check(client, customer, "4k-streaming", "US");
        Assert.Equal("US", us.GetProperty("country").GetString());
        Assert.Equal(["grant"], us.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("kind").GetString()));
        var listed = await (await client.GetAsync($"/api/v1/customers/{customer}/grants")).JsonOf(HttpStatusCode.OK);
        Assert.Equal("US", listed[0].GetProperty("regions").GetProperty("only")[0].GetString());
    }

    [SkippableFact]
    public async Task Check_NumbersSumOnlyTheSourcesValidThere_AndANotAllowedCountrySaysWhereItIs()
    {
        var (client, customer) = await CustomerOnGeoPlan();
        await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{customer}/grants",
            """{"feature":"max-simultaneous-streams","value":3,"reason":"DACH event","regions":{"only":["DACH"]}}""")).JsonOf(HttpStatusCode.Created);

        Assert.Equal(5, (await Check(client, customer, "max-simultaneous-streams", "DE")).GetProperty("limit").GetInt64());
        Assert.Equal(2, (await Check(client, customer, "max-simultaneous-streams", "FR")).GetProperty("limit").GetInt64());
        Assert.Equal(3, (await Check(client, customer, "max-simultaneous-streams", "CH")).GetProperty("limit").GetInt64());
        var us = await Check(client, customer, "max-simultaneous-streams", "US");
        Assert.False(us.GetProperty("hasAccess").GetBoolean());
        Assert.Equal("region-not-allowed", us.GetProperty("reason").GetString());
        Assert.Equal(["EU", "DACH"], us.GetProperty("allowedIn").EnumerateArray().Select(r => r.GetProperty("only")[0].GetString()));

        var account = await (await client.GetAsync($"/api/v1/customers/{customer}/entitlements?country=CH")).JsonOf(HttpStatusCode.OK);
        Assert.Equal("CH", account.GetProperty("country").GetString());
        var byFeature = account.GetProperty("entitlements").EnumerateArray().ToDictionary(e => e.GetProperty("feature").GetString()!);
        Assert.Equal(3, byFeature["max-simultaneous-streams"].GetProperty("limit").GetInt64());
        Assert.True(byFeature["4k-streaming"].GetProperty("hasAccess").GetBoolean());
    }

    [SkippableFact]
    public async Task Check_WithoutACountry_DeniesAFeatureWhoseEverySourceHasARule_UnlessItsPolicyIsAnywhere()
    {
        var (client, customer) = await CustomerOnGeoPlan();

        var streams = await Check(client, customer, "max-simultaneous-streams", null);
        Assert.False(streams.GetProperty("hasAccess").GetBoolean());
        Assert.Equal("country-required", streams.GetProperty("reason").GetString());
        Assert.Equal("EU", streams.GetProperty("allowedIn")[0].GetProperty("only")[0].GetString());
        Assert.Equal(JsonValueKind.Null, streams.GetProperty("country").ValueKind);

        var catalog = await app.Get<CatalogStore>().SnapshotAsync();
        var feature = catalog.Features.Single(f => f.Handle == "max-simultaneous-streams");
        var input = FeatureInput.From(feature);
        input.NoCountryPolicy = NoCountryPolicy.Anywhere;
        Assert.True((await app.Get<CatalogEditor>().SaveFeatureAsync(feature.Id, input, "operator@vendor.example")).Ok);
        try
        {
            var anywhere = await Check(client, customer, "max-simultaneous-streams", null);
            Assert.True(anywhere.GetProperty("hasAccess").GetBoolean());
            Assert.Equal(2, anywhere.GetProperty("limit").GetInt64());
        }
        finally
        {
            input.NoCountryPolicy = NoCountryPolicy.Deny;
            await app.Get<CatalogEditor>().SaveFeatureAsync(feature.Id, input, "operator@vendor.example");
        }
    }

    [SkippableFact]
    public async Task Check_InAnEmbargoedCountry_DeniesEverything_AndTheChangeIsAudited()
    {
        var client = await ApiTestClient.Reader(app);
        Assert.True((await Check(client, "acme", "max-members", "KP")).GetProperty("hasAccess").GetBoolean());

        Assert.True((await app.Get<RegionStore>().SetEmbargoAsync("kp, IR", "operator@vendor.example")).Ok);
        try
        {
            var check = await Check(client, "acme", "max-members", "KP");
            Assert.False(check.GetProperty("hasAccess").GetBoolean());
            Assert.Equal("embargoed", check.GetProperty("reason").GetString());
            Assert.True((await Check(client, "acme", "max-members", "DE")).GetProperty("hasAccess").GetBoolean());
            Assert.True((await Check(client, "acme", "max-members", null)).GetProperty("hasAccess").GetBoolean());
            var audit = await app.Get<AuditSearch>().SearchAsync(new AuditFilter(Kind: AuditKinds.EmbargoChanged), 1);
            Assert.Contains(audit.Rows, e => e.NewValue == "IR, KP");
        }
        finally
        {
            await app.Get<RegionStore>().SetEmbargoAsync("", "operator@vendor.example");
        }
    }

    [SkippableFact]
    public async Task Check_ARegionEdited_MovesTheStamp_SoTheNextCheckFollowsIt_AndBothAreAudited()
    {
        var (client, customer) = await CustomerOnGeoPlan();
        var region = NewKey("R").ToUpperInvariant();
        Assert.True((await app.Get<RegionStore>().SaveRegionAsync(null, new RegionInput(region, "the test region", "FR"), "operator@vendor.example")).Ok);
        await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{customer}/grants",
            $$$"""{"feature":"sso","value":true,"reason":"test","regions":{"only":["{{{region}}}"]}}""")).JsonOf(HttpStatusCode.Created);
        Assert.False((await Check(client, customer, "sso", "IT")).GetProperty("hasAccess").GetBoolean());

        Assert.True((await app.Get<RegionStore>().SaveRegionAsync(region, new RegionInput(null, "the test region", "fr it"), "operator@vendor.example")).Ok);

        Assert.True((await Check(client, customer, "sso", "IT")).GetProperty("hasAccess").GetBoolean());
        var created = await app.Get<AuditSearch>().SearchAsync(new AuditFilter(Kind: AuditKinds.RegionCreated), 1);
        var updated = await app.Get<AuditSearch>().SearchAsync(new AuditFilter(Kind: AuditKinds.RegionUpdated), 1);
        Assert.Contains(created.Rows, e => e.Subject == $"region {region}" && e.NewValue == "the test region: FR");
        Assert.Contains(updated.Rows, e => e.Subject == $"region {region}" && e.OldValue == "the test region: FR" && e.NewValue == "the test region: FR, IT");
        Assert.False((await app.Get<RegionStore>().DeleteRegionAsync(region, "operator@vendor.example")).Ok); // a grant names it
    }

    [SkippableFact]
    public async Task AGrantRestrictedToARegion_EndsAtItsInstant_LikeAnyGrant()
    {
        var (client, customer) = await CustomerOnGeoPlan();
        var until = app.Now.AddHours(2);
        await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{customer}/grants",
            $$$"""{"feature":"sso","value":true,"reason":"event","validUntil":"{{{until:yyyy-MM-ddTHH:mm:ssZ}}}","regions":{"except":["US"]}}""")).JsonOf(HttpStatusCode.Created);
        Assert.True((await Check(client, customer, "sso", "DE")).GetProperty("hasAccess").GetBoolean());

        app.Clock.Advance(TimeSpan.FromHours(2)); // the clock only moves forward; the other tests here read it afresh

        var after = await Check(client, customer, "sso", "DE");
        Assert.False(after.GetProperty("hasAccess").GetBoolean());
        Assert.Equal("no-entitlement", after.GetProperty("reason").GetString());
    }

    [SkippableFact]
    public async Task Token_ClaimsVerifiedOffline_GiveTheSameAnswersAsTheApi_ForEveryCountryAsked()
    {
        var (client, customer) = await CustomerOnGeoPlan();
        await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{customer}/grants",
            """{"feature":"4k-streaming","value":true,"reason":"US launch","regions":{"only":["US"]}}""")).JsonOf(HttpStatusCode.Created);
        await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{customer}/grants",
            """{"feature":"max-simultaneous-streams","value":3,"reason":"DACH event","regions":{"only":["DACH"]}}""")).JsonOf(HttpStatusCode.Created);
        await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{customer}/grants",
            """{"feature":"max-simultaneous-streams","value":"unlimited","reason":"Japan","regions":{"only":["JP"]}}""")).JsonOf(HttpStatusCode.Created);
        await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{customer}/grants",
            """{"feature":"sso","value":true,"reason":"all but North America","regions":{"except":["NORTH-AMERICA"]}}""")).JsonOf(HttpStatusCode.Created);
        Assert.True((await app.Get<RegionStore>().SetEmbargoAsync("KP", "operator@vendor.example")).Ok);
        try
        {
            var (token, _) = await TokenVerifier.Issue(client, customer);
            var verified = await TokenVerifier.Validate(token, await TokenVerifier.Jwks(app.CreateClient()), app.Now);
            Assert.True(verified.IsValid, verified.Exception?.Message);
            var claims = TokenVerifier.Payload(token);
            Assert.Equal(["KP"], claims.GetProperty("embargo").EnumerateArray().Select(c => c.GetString()));

            var answers = 0;
            foreach (var feature in new[] { "4k-streaming", "max-simultaneous-streams", "sso" })
            foreach (var country in new[] { "US", "DE", "FR", "AT", "CH", "GB", "JP", "MX", "KP", "BR" })
            {
                var api = await Check(client, customer, feature, country);
                var offline = OfflineRegionCheck.Answer(claims, feature, country);
                var what = $"{feature} in {country}";
                Assert.True(api.GetProperty("hasAccess").GetBoolean() == offline.HasAccess, what);
                Assert.True(api.GetProperty("unlimited").GetBoolean() == offline.Unlimited, what);
                if (api.GetProperty("kind").GetString() != "boolean")
                    Assert.True((api.GetProperty("limit").ValueKind == JsonValueKind.Null ? null : api.GetProperty("limit").GetInt64()) == offline.Limit, what);
                answers++;
            }
            Assert.Equal(30, answers);
            Assert.True(OfflineRegionCheck.Answer(claims, "max-simultaneous-streams", "JP").Unlimited);
            Assert.Equal(5, OfflineRegionCheck.Answer(claims, "max-simultaneous-streams", "DE").Limit);
            Assert.False(OfflineRegionCheck.Answer(claims, "sso", "MX").HasAccess);
        }
        finally
        {
            await app.Get<RegionStore>().SetEmbargoAsync("", "operator@vendor.example");
        }
    }

    [SkippableFact]
    public async Task Usage_InACountryTheFeatureIsNotAllowed_Is400NamingTheEvent_AndAnalyticsSplitByCountry()
    {
        var (client, customer) = await CustomerOnGeoPlan();
        var metering = await ApiTestClient.WithScopes(app, ApiScopes.UsageWrite);
        string Event(string id, string country) =>
            $$"""{"id":"{{id}}","customer":"{{customer}}","feature":"max-simultaneous-streams","quantity":2,"timestamp":"{{app.Now:yyyy-MM-ddTHH:mm:ssZ}}"{{(country.Length == 0 ? "" : $",\"country\":\"{country}\"")}}}""";

        var refused = await (await metering.Send(HttpMethod.Post, "/api/v1/usage", $$"""{"events":[{{Event("de-1", "DE")}},{{Event("us-1", "US")}},{{Event("xx-1", "XX")}}]}"""))
            .Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);
        Assert.Equal(["events[1].country", "events[2].country"], refused.ErrorFields());
        Assert.Contains("region-not-allowed", refused.GetProperty("errors").GetProperty("events[1].country")[0].GetString());

        var accepted = await (await metering.Send(HttpMethod.Post, "/api/v1/usage", $$"""{"events":[{{Event("de-1", "de")}},{{Event("fr-1", "FR")}},{{Event("none-1", "")}}]}"""))
            .JsonOf(HttpStatusCode.OK);
        Assert.Equal(3, accepted.GetProperty("accepted").GetInt32());

        var feature = (await app.Get<CatalogStore>().FeaturesAsync()).Single(f => f.Handle == "max-simultaneous-streams");
        var byCountry = await app.Get<SelfService.Analytics.UsageAnalytics>().ByCountryAsync(feature, app.Now);
        Assert.Contains(byCountry, r => r.Country == "DE" && r.Value >= 2);
        Assert.Contains(byCountry, r => r.Country == "FR");
        Assert.DoesNotContain(byCountry, r => r.Country == "US");
    }

    [SkippableTheory]
    [InlineData("XX", "assigned")]
    [InlineData("UK", "GB")]
    [InlineData("DEU", "alpha-2")]
    [InlineData("", "alpha-2")]
    public async Task Check_AMalformedCountry_Is400NamingIt(string country, string says)
    {
        var client = await ApiTestClient.Reader(app);

        var one = await (await client.GetAsync($"/api/v1/customers/acme/entitlements/sso?country={country}")).Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);
        var all = await (await client.GetAsync($"/api/v1/customers/acme/entitlements?country={country}")).Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);

        Assert.Equal(["country"], one.ErrorFields());
        Assert.Equal(["country"], all.ErrorFields());
        Assert.Contains(says, one.GetProperty("errors").GetProperty("country")[0].GetString());
    }

    [SkippableFact]
    public async Task PostGrant_BadRegions_Is400NamingEachBadPlace_AndStoresNothing()
    {
        var client = await ApiTestClient.Provisioner(app);
        var before = await (await client.GetAsync("/api/v1/customers/acme/grants")).JsonOf(HttpStatusCode.OK);

        var problem = await (await client.Send(HttpMethod.Post, "/api/v1/customers/acme/grants",
            """{"feature":"sso","value":true,"reason":"x","regions":{"only":["DE","XX","Atlantis"]}}""")).Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);
        Assert.Equal(["regions.only[1]", "regions.only[2]"], problem.ErrorFields());

        var both = await (await client.Send(HttpMethod.Post, "/api/v1/customers/acme/grants",
            """{"feature":"sso","value":true,"reason":"x","regions":{"only":["DE"],"except":["US"]}}""")).Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);
        Assert.Equal(["regions.except"], both.ErrorFields());
        var empty = await (await client.Send(HttpMethod.Post, "/api/v1/customers/acme/grants",
            """{"feature":"sso","value":true,"reason":"x","regions":{"only":[]}}""")).Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);
        Assert.Equal(["regions.only"], empty.ErrorFields());

        var after = await (await client.GetAsync("/api/v1/customers/acme/grants")).JsonOf(HttpStatusCode.OK);
        Assert.Equal(before.GetArrayLength(), after.GetArrayLength());
    }
}

public sealed class SqliteRegionCheckTests(SqliteApp app) : RegionCheckTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlRegionCheckTests(PostgreSqlApp app) : RegionCheckTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerRegionCheckTests(SqlServerApp app) : RegionCheckTests(app), IClassFixture<SqlServerApp>;

/// <summary>
/// The offline check a vendor's app makes from a verified token's claims, as the README describes it: the embargo list
/// first, then the sources whose rule allows the country, combined as the API combines them.
/// </summary>
public static class OfflineRegionCheck
{
    public static (bool HasAccess, long? Limit, bool Unlimited) Answer(JsonElement claims, string feature, string country)
    {
        var active = claims.GetProperty("subscriptionStatus").GetString() == "active";
        if (claims.TryGetProperty("embargo", out var embargo) && embargo.EnumerateArray().Any(c => c.GetString() == country)) return (false, 0, false);
        var entitlement = claims.GetProperty("entitlements").GetProperty(feature);
        if (!entitlement.TryGetProperty("regions", out var regions))
        {
            var unlimited = entitlement.GetProperty("unlimited").GetBoolean();
            return (entitlement.GetProperty("hasAccess").GetBoolean(), unlimited ? null : entitlement.TryGetProperty("limit", out var l) ? l.GetInt64() : null, unlimited);
        }
        var counted = regions.GetProperty("sources").EnumerateArray().Where(s =>
            s.TryGetProperty("only", out var only) ? only.EnumerateArray().Any(c => c.GetString() == country)
            : !s.TryGetProperty("except", out var except) || except.EnumerateArray().All(c => c.GetString() != country)).ToList();
        var isUnlimited = counted.Any(s => s.GetProperty("unlimited").GetBoolean());
        var sum = counted.Where(s => !s.GetProperty("unlimited").GetBoolean()).Sum(s => s.GetProperty("value").GetInt64());
        var numeric = entitlement.TryGetProperty("limit", out _) || entitlement.TryGetProperty("usage", out _);
        if (!numeric) return (active && (isUnlimited || sum > 0), null, isUnlimited);
        var usage = entitlement.TryGetProperty("usage", out var u) ? u.GetDouble() : 0;
        var hardCap = regions.GetProperty("hardCap").GetBoolean();
        var entitled = isUnlimited || sum > 0;
        var withinCap = isUnlimited || usage < sum;
        return (active && entitled && (withinCap || !hardCap), isUnlimited ? null : sum, isUnlimited);
    }
}
