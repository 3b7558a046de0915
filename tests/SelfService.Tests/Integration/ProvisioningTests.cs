using System.Net;
using System.Text.Json;
using SelfService.Api;
using SelfService.Integration;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Integration;

/// <summary>PUT customer, PUT subscription, POST/DELETE grants: what a CRM order does, and what it cannot do.</summary>
public abstract class ProvisioningTests(AppFactory app)
{
    private static string NewKey() => "crm-" + Guid.NewGuid().ToString("N")[..10];

    private async Task<(HttpClient Client, string Customer)> NewCustomer(string? plan = "starter")
    {
        var client = await ApiTestClient.Provisioner(app);
        var customer = NewKey();
        await (await client.Send(HttpMethod.Put, $"/api/v1/customers/{customer}", """{"name":"Wayne Enterprises"}""")).JsonOf(HttpStatusCode.Created);
        if (plan is not null)
            await (await client.Send(HttpMethod.Put, $"/api/v1/customers/{customer}/subscription", $$"""{"plan":"{{plan}}","billingAnchorDay":1}""")).JsonOf(HttpStatusCode.Created);
        return (client, customer);
    }

    private static async Task<JsonElement> Check(HttpClient client, string customer, string feature) =>
        await (await client.GetAsync($"/api/v1/customers/{customer}/entitlements/{feature}")).JsonOf(HttpStatusCode.OK);

    // ---- customers --------------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task PutCustomer_New_Creates201WithLocation_AndAudits()
    {
        var client = await ApiTestClient.Provisioner(app);
        var key = NewKey();

        var response = await client.Send(HttpMethod.Put, $"/api/v1/customers/{key}", """{"name":"Stark Industries"}""");

        var json = await response.JsonOf(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/customers/{key}", response.Headers.Location?.OriginalString);
        Assert.Equal("Stark Industries", json.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("subscription").ValueKind);
        var entry = Assert.Single(await ApiTestClient.Audit(app, key));
        Assert.Equal("customer.created", entry.Kind);
        Assert.StartsWith("api-key:", entry.Actor);
    }

    [SkippableFact]
    public async Task PutCustomer_Existing_Renames200AndAudits_AndAnUnchangedPutAuditsNothing()
    {
        var (client, key) = await NewCustomer(plan: null);

        var renamed = await (await client.Send(HttpMethod.Put, $"/api/v1/customers/{key}", """{"name":"Wayne Corp"}""")).JsonOf(HttpStatusCode.OK);
        await (await client.Send(HttpMethod.Put, $"/api/v1/customers/{key}", """{"name":"Wayne Corp"}""")).JsonOf(HttpStatusCode.OK);

        Assert.Equal("Wayne Corp", renamed.GetProperty("name").GetString());
        var audit = await ApiTestClient.Audit(app, key);
        Assert.Equal(new[] { "customer.renamed", "customer.created" }, audit.Select(a => a.Kind).ToArray());
        Assert.Equal("Wayne Enterprises", audit[0].OldValue);
    }

    [SkippableFact]
    public async Task PutCustomer_BadKeyMissingNameAndUnknownField_Is400NamingEveryField()
    {
        var client = await ApiTestClient.Provisioner(app);

        var problem = await (await client.Send(HttpMethod.Put, "/api/v1/customers/-bad key-", """{"nmae":"Typo"}""")).Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);

        Assert.Equal(new[] { "customer", "name", "nmae" }, problem.ErrorFields());
    }

    [SkippableFact]
    public async Task PutCustomer_MalformedJson_Is400MalformedJson()
    {
        var client = await ApiTestClient.Provisioner(app);

        await (await client.Send(HttpMethod.Put, $"/api/v1/customers/{NewKey()}", """{"name": "unterminated""")).Problem(HttpStatusCode.BadRequest, ApiProblems.MalformedJson);
    }

    [SkippableFact]
    public async Task GetCustomer_Unknown_Is404()
    {
        var client = await ApiTestClient.Reader(app);

        await (await client.GetAsync("/api/v1/customers/nobody")).Problem(HttpStatusCode.NotFound, ApiProblems.NotFound);
    }

    [SkippableFact]
    public async Task Provisioning_WithAReadOnlyKey_Is403_AndChangesNothing()
    {
        var reader = await ApiTestClient.Reader(app);
        var key = NewKey();

        await (await reader.Send(HttpMethod.Put, $"/api/v1/customers/{key}", """{"name":"Nope"}""")).Problem(HttpStatusCode.Forbidden, ApiProblems.Forbidden);
        await (await reader.Send(HttpMethod.Put, "/api/v1/customers/acme/subscription", """{"plan":"starter"}""")).Problem(HttpStatusCode.Forbidden, ApiProblems.Forbidden);
        await (await reader.Send(HttpMethod.Post, "/api/v1/customers/acme/grants", """{"feature":"sso","value":true,"reason":"x"}""")).Problem(HttpStatusCode.Forbidden, ApiProblems.Forbidden);
        await (await reader.Send(HttpMethod.Delete, "/api/v1/customers/acme/grants/1")).Problem(HttpStatusCode.Forbidden, ApiProblems.Forbidden);

        await (await reader.GetAsync($"/api/v1/customers/{key}")).Problem(HttpStatusCode.NotFound, ApiProblems.NotFound);
    }

    // ---- subscriptions ----------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task PutSubscription_New_Creates201WithAddOns_AndTheCheckReflectsItAtOnce()
    {
        var (client, key) = await NewCustomer(plan: null);
        var before = await Check(client, key, "max-members");

        var json = await (await client.Send(HttpMethod.Put, $"/api/v1/customers/{key}/subscription",
            """{"plan":"business","addOns":[{"code":"extra-seats","quantity":2}],"billingAnchorDay":12}""")).JsonOf(HttpStatusCode.Created);
        var after = await Check(client, key, "max-members");

        Assert.Equal("subscription-inactive", before.GetProperty("reason").GetString());
        var subscription = json.GetProperty("subscription");
        Assert.Equal("business", subscription.GetProperty("plan").GetProperty("code").GetString());
        Assert.Equal(2, subscription.GetProperty("addOns")[0].GetProperty("quantity").GetInt32());
        Assert.Equal(12, subscription.GetProperty("billingAnchorDay").GetInt32());
        Assert.Equal(45, after.GetProperty("limit").GetInt64());
        Assert.True(after.GetProperty("hasAccess").GetBoolean());
        var audit = await ApiTestClient.Audit(app, key);
        Assert.Contains(audit, a => a.Kind == "subscription.created");
        Assert.Contains(audit, a => a.Kind == "subscription.add-on-added" && a.NewValue == "extra-seats ×2");
    }

    [SkippableFact]
    public async Task PutSubscription_PlanChange_IsReflectedByTheCheckAtOnce_AndAudited()
    {
        var (client, key) = await NewCustomer("starter");
        Assert.Equal(10_000, (await Check(client, key, "api-calls")).GetProperty("limit").GetInt64());

        await (await client.Send(HttpMethod.Put, $"/api/v1/customers/{key}/subscription", """{"plan":"enterprise"}""")).JsonOf(HttpStatusCode.OK);

        var sso = await Check(client, key, "sso");
        Assert.True(sso.GetProperty("hasAccess").GetBoolean());
        Assert.Equal(1_000_000, (await Check(client, key, "api-calls")).GetProperty("limit").GetInt64());
        var change = Assert.Single(await ApiTestClient.Audit(app, key), a => a.Kind == "subscription.plan-changed");
        Assert.Equal("starter v1", change.OldValue);
        Assert.Equal("enterprise v1", change.NewValue);
    }

    [SkippableFact]
    public async Task PutSubscription_Suspended_DeniesEveryCheckWithSubscriptionInactive()
    {
        var (client, key) = await NewCustomer("enterprise");

        await (await client.Send(HttpMethod.Put, $"/api/v1/customers/{key}/subscription", """{"plan":"enterprise","status":"suspended"}""")).JsonOf(HttpStatusCode.OK);

        var sso = await Check(client, key, "sso");
        Assert.False(sso.GetProperty("hasAccess").GetBoolean());
        Assert.Equal("subscription-inactive", sso.GetProperty("reason").GetString());
        Assert.Contains(await ApiTestClient.Audit(app, key), a => a.Kind == "subscription.status-changed" && a.NewValue == "suspended");
    }

    [SkippableFact]
    public async Task PutSubscription_AddOnsNotListed_AreRemoved_AndQuantityChangesAudited()
    {
        var (client, key) = await NewCustomer(plan: null);
        await (await client.Send(HttpMethod.Put, $"/api/v1/customers/{key}/subscription",
            """{"plan":"business","addOns":[{"code":"extra-seats","quantity":1},{"code":"storage-pack","quantity":2}]}""")).JsonOf(HttpStatusCode.Created);

        var json = await (await client.Send(HttpMethod.Put, $"/api/v1/customers/{key}/subscription",
            """{"plan":"business","addOns":[{"code":"extra-seats","quantity":3}]}""")).JsonOf(HttpStatusCode.OK);

        var addOns = json.GetProperty("subscription").GetProperty("addOns").EnumerateArray().ToList();
        Assert.Equal("extra-seats", Assert.Single(addOns).GetProperty("code").GetString());
        Assert.Equal(150, (await Check(client, key, "storage-gb")).GetProperty("limit").GetInt64() + 50); // 100, the pack's 100 gone
        var audit = await ApiTestClient.Audit(app, key);
        Assert.Contains(audit, a => a.Kind == "subscription.add-on-removed" && a.OldValue == "storage-pack ×2");
        Assert.Contains(audit, a => a.Kind == "subscription.add-on-changed" && a.OldValue == "extra-seats ×1" && a.NewValue == "extra-seats ×3");
    }

    [SkippableFact]
    public async Task PutSubscription_InvalidFields_Is400NamingEveryOne_AndChangesNothing()
    {
        var (client, key) = await NewCustomer("starter");

        var problem = await (await client.Send(HttpMethod.Put, $"/api/v1/customers/{key}/subscription",
            """{"status":"paused","billingAnchorDay":40,"addOns":[{"code":"extra-seats","quantity":0},{"quantity":1},"x"],"colour":"red"}"""))
            .Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);

        Assert.Equal(new[] { "addOns[0].quantity", "addOns[1].code", "addOns[2]", "billingAnchorDay", "colour", "plan", "status" }, problem.ErrorFields());
        Assert.Equal(10_000, (await Check(client, key, "api-calls")).GetProperty("limit").GetInt64());
    }

    [SkippableFact]
    public async Task PutSubscription_QuantityAboveMaximumOrAddOnOfAnotherFamily_Is400NamingEach()
    {
        var (client, key) = await NewCustomer("starter");

        var problem = await (await client.Send(HttpMethod.Put, $"/api/v1/customers/{key}/subscription",
            """{"plan":"starter","addOns":[{"code":"extra-seats","quantity":11},{"code":"4k-pack","quantity":1}]}"""))
            .Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);

        Assert.Equal(new[] { "addOns[0].quantity", "addOns[1].code" }, problem.ErrorFields());
    }

    [SkippableFact]
    public async Task PutSubscription_UnknownPlanAndAddOn_Is404NamingEach()
    {
        var (client, key) = await NewCustomer(plan: null);

        var problem = await (await client.Send(HttpMethod.Put, $"/api/v1/customers/{key}/subscription",
            """{"plan":"platinum","addOns":[{"code":"jetpack","quantity":1}]}""")).Problem(HttpStatusCode.NotFound, ApiProblems.NotFound);

        Assert.Equal(new[] { "addOns[0].code", "plan" }, problem.ErrorFields());
    }

    [SkippableFact]
    public async Task PutSubscription_UnknownCustomer_Is404()
    {
        var client = await ApiTestClient.Provisioner(app);

        await (await client.Send(HttpMethod.Put, "/api/v1/customers/nobody/subscription", """{"plan":"starter"}""")).Problem(HttpStatusCode.NotFound, ApiProblems.NotFound);
    }

    // ---- grants -----------------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task PostGrant_IsReflectedByTheCheckAtOnce_AndAudited()
    {
        var (client, key) = await NewCustomer("starter");

        var response = await client.Send(HttpMethod.Post, $"/api/v1/customers/{key}/grants",
            """{"feature":"api-calls","value":5000,"validUntil":"2026-12-31T00:00:00Z","reason":"Launch week allowance"}""");

        var grant = await response.JsonOf(HttpStatusCode.Created);
        var id = grant.GetProperty("id").GetInt64();
        Assert.Equal($"/api/v1/customers/{key}/grants/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("active", grant.GetProperty("state").GetString());
        var check = await Check(client, key, "api-calls");
        Assert.Equal(15_000, check.GetProperty("limit").GetInt64());
        Assert.Contains(check.GetProperty("sources").EnumerateArray(), s => s.GetProperty("kind").GetString() == "grant" && s.GetProperty("grantId").GetInt64() == id);
        var entry = Assert.Single(await ApiTestClient.Audit(app, key), a => a.Kind == "grant.added");
        Assert.Equal("Launch week allowance", entry.Reason);
    }

    [SkippableFact]
    public async Task PostGrant_BooleanAndUnlimited_GiveAccess()
    {
        var (client, key) = await NewCustomer("starter");

        await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{key}/grants", """{"feature":"sso","value":true,"reason":"Pilot"}""")).JsonOf(HttpStatusCode.Created);
        await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{key}/grants", """{"feature":"max-members","value":"unlimited","reason":"Deal"}""")).JsonOf(HttpStatusCode.Created);

        Assert.True((await Check(client, key, "sso")).GetProperty("hasAccess").GetBoolean());
        Assert.True((await Check(client, key, "max-members")).GetProperty("unlimited").GetBoolean());
        var grants = await (await client.GetAsync($"/api/v1/customers/{key}/grants")).JsonOf(HttpStatusCode.OK);
        Assert.Equal(new object[] { "True", "unlimited" }, grants.EnumerateArray().Select(g => (object)g.GetProperty("value").ToString()).ToArray());
    }

    [SkippableFact]
    public async Task PostGrant_InvalidFields_Is400NamingEveryOne()
    {
        var (client, key) = await NewCustomer("starter");

        var problem = await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{key}/grants",
            """{"feature":"api-calls","value":"lots","validFrom":"2026-12-10T00:00:00Z","validUntil":"2026-12-01T00:00:00Z","reason":" "}"""))
            .Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);
        var past = await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{key}/grants",
            """{"feature":"api-calls","value":0,"validUntil":"2026-01-01","reason":"x"}""")).Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);
        var wrongKind = await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{key}/grants",
            """{"feature":"sso","value":5,"reason":"x"}""")).Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);

        Assert.Equal(new[] { "reason", "validUntil", "value" }, problem.ErrorFields());
        Assert.Equal(new[] { "validUntil" }, past.ErrorFields()); // no offset: ambiguous
        Assert.Equal(new[] { "value" }, wrongKind.ErrorFields());
    }

    [SkippableFact]
    public async Task PostGrant_UnknownFeature_Is404_AndUnknownCustomer_Is404()
    {
        var (client, key) = await NewCustomer("starter");

        var problem = await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{key}/grants", """{"feature":"teleportation","value":true,"reason":"x"}"""))
            .Problem(HttpStatusCode.NotFound, ApiProblems.NotFound);
        await (await client.Send(HttpMethod.Post, "/api/v1/customers/nobody/grants", """{"feature":"sso","value":true,"reason":"x"}"""))
            .Problem(HttpStatusCode.NotFound, ApiProblems.NotFound);

        Assert.Equal(new[] { "feature" }, problem.ErrorFields());
    }

    [SkippableFact]
    public async Task PostGrant_CustomerWithoutSubscription_Is409()
    {
        var (client, key) = await NewCustomer(plan: null);

        await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{key}/grants", """{"feature":"sso","value":true,"reason":"x"}"""))
            .Problem(HttpStatusCode.Conflict, ApiProblems.Conflict);
    }

    [SkippableFact]
    public async Task DeleteGrant_RevokesAtOnce_AndAudits_AndASecondDeleteChangesNothing()
    {
        var (client, key) = await NewCustomer("starter");
        var grant = await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{key}/grants", """{"feature":"sso","value":true,"reason":"Pilot"}""")).JsonOf(HttpStatusCode.Created);
        var id = grant.GetProperty("id").GetInt64();

        await (await client.Send(HttpMethod.Delete, $"/api/v1/customers/{key}/grants/{id}")).JsonOf(HttpStatusCode.NoContent);
        await (await client.Send(HttpMethod.Delete, $"/api/v1/customers/{key}/grants/{id}")).JsonOf(HttpStatusCode.NoContent);

        var sso = await Check(client, key, "sso");
        Assert.False(sso.GetProperty("hasAccess").GetBoolean());
        Assert.Equal("no-entitlement", sso.GetProperty("reason").GetString());
        Assert.Single(await ApiTestClient.Audit(app, key), a => a.Kind == "grant.revoked");
        var grants = await (await client.GetAsync($"/api/v1/customers/{key}/grants")).JsonOf(HttpStatusCode.OK);
        Assert.Equal("revoked", grants[0].GetProperty("state").GetString());
    }

    [SkippableFact]
    public async Task DeleteGrant_UnknownOrAnotherCustomers_Is404()
    {
        var (client, key) = await NewCustomer("starter");
        var (_, other) = await NewCustomer("starter");
        var grant = await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{other}/grants", """{"feature":"sso","value":true,"reason":"x"}""")).JsonOf(HttpStatusCode.Created);

        await (await client.Send(HttpMethod.Delete, $"/api/v1/customers/{key}/grants/{grant.GetProperty("id").GetInt64()}")).Problem(HttpStatusCode.NotFound, ApiProblems.NotFound);
        await (await client.Send(HttpMethod.Delete, $"/api/v1/customers/{key}/grants/999999")).Problem(HttpStatusCode.NotFound, ApiProblems.NotFound);
        await (await client.Send(HttpMethod.Delete, $"/api/v1/customers/{key}/grants/abc")).Problem(HttpStatusCode.NotFound, ApiProblems.NotFound);
    }

    // ---- idempotency ------------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task SameIdempotencyKeyAndBody_ReplaysTheFirstResponse_AndMakesOneChange()
    {
        var (client, key) = await NewCustomer("starter");
        var body = """{"feature":"api-calls","value":1000,"reason":"Order 1234"}""";
        var idem = Guid.NewGuid().ToString();

        var first = await client.Send(HttpMethod.Post, $"/api/v1/customers/{key}/grants", body, idem);
        var second = await client.Send(HttpMethod.Post, $"/api/v1/customers/{key}/grants", body, idem);

        var a = await first.JsonOf(HttpStatusCode.Created);
        var b = await second.JsonOf(HttpStatusCode.Created);
        Assert.Equal(a.GetRawText(), b.GetRawText());
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.True(second.Headers.Contains(IdempotentWrites.ReplayedHeader));
        Assert.Equal(11_000, (await Check(client, key, "api-calls")).GetProperty("limit").GetInt64());
        Assert.Single(await ApiTestClient.Audit(app, key), e => e.Kind == "grant.added");
    }

    [SkippableFact]
    public async Task SameIdempotencyKey_WithAnotherBody_Is422_AndChangesNothing()
    {
        var (client, key) = await NewCustomer("starter");
        var idem = Guid.NewGuid().ToString();
        await (await client.Send(HttpMethod.Put, $"/api/v1/customers/{key}/subscription", """{"plan":"business"}""", idem)).JsonOf(HttpStatusCode.OK);

        await (await client.Send(HttpMethod.Put, $"/api/v1/customers/{key}/subscription", """{"plan":"enterprise"}""", idem))
            .Problem(HttpStatusCode.UnprocessableEntity, ApiProblems.IdempotencyMismatch);

        Assert.Equal(100_000, (await Check(client, key, "api-calls")).GetProperty("limit").GetInt64());
    }

    [SkippableFact]
    public async Task IdempotentDelete_ReplaysItsNoContent()
    {
        var (client, key) = await NewCustomer("starter");
        var grant = await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{key}/grants", """{"feature":"sso","value":true,"reason":"x"}""")).JsonOf(HttpStatusCode.Created);
        var idem = Guid.NewGuid().ToString();

        await (await client.Send(HttpMethod.Delete, $"/api/v1/customers/{key}/grants/{grant.GetProperty("id").GetInt64()}", idempotencyKey: idem)).JsonOf(HttpStatusCode.NoContent);
        var replay = await client.Send(HttpMethod.Delete, $"/api/v1/customers/{key}/grants/{grant.GetProperty("id").GetInt64()}", idempotencyKey: idem);

        await replay.JsonOf(HttpStatusCode.NoContent);
        Assert.True(replay.Headers.Contains(IdempotentWrites.ReplayedHeader));
    }

    [SkippableFact]
    public async Task IdempotencyKeys_AreScopedToTheApiKey()
    {
        var (client, key) = await NewCustomer("starter");
        var otherClient = await ApiTestClient.Provisioner(app);
        var idem = Guid.NewGuid().ToString();

        await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{key}/grants", """{"feature":"api-calls","value":1,"reason":"a"}""", idem)).JsonOf(HttpStatusCode.Created);
        var other = await otherClient.Send(HttpMethod.Post, $"/api/v1/customers/{key}/grants", """{"feature":"api-calls","value":2,"reason":"b"}""", idem);

        await other.JsonOf(HttpStatusCode.Created);
        Assert.False(other.Headers.Contains(IdempotentWrites.ReplayedHeader));
    }

    [SkippableFact]
    public async Task ConcurrentRequests_WithOneIdempotencyKey_MakeOneChange()
    {
        var (client, key) = await NewCustomer("starter");
        var idem = Guid.NewGuid().ToString();
        var body = """{"feature":"api-calls","value":7,"reason":"Retry storm"}""";

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.Send(HttpMethod.Post, $"/api/v1/customers/{key}/grants", body, idem)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Single(await ApiTestClient.Audit(app, key), e => e.Kind == "grant.added");
        Assert.Equal(10_007, (await Check(client, key, "api-calls")).GetProperty("limit").GetInt64());
    }

    [SkippableFact]
    public async Task IdempotencyKey_TooLong_Is400NamingTheHeader()
    {
        var (client, key) = await NewCustomer("starter");

        var problem = await (await client.Send(HttpMethod.Post, $"/api/v1/customers/{key}/grants", """{"feature":"sso","value":true,"reason":"x"}""", new string('k', 300)))
            .Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);

        Assert.Equal(new[] { "Idempotency-Key" }, problem.ErrorFields());
    }
}

public sealed class SqliteProvisioningTests(SqliteApp app) : ProvisioningTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlProvisioningTests(PostgreSqlApp app) : ProvisioningTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerProvisioningTests(SqlServerApp app) : ProvisioningTests(app), IClassFixture<SqlServerApp>;
