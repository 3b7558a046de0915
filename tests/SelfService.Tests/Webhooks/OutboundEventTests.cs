using System.Net;
using System.Text.Json;
using Dapper;
using SelfService.Api;
using SelfService.Customers;
using SelfService.Data;
using SelfService.Events;
using SelfService.Metering;
using SelfService.Requests;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Integration;
using SelfService.Tests.Metering;
using SelfService.Webhooks;
using StandardWebhooks;
using static SelfService.Tests.Requests.RequestTestKit;

namespace SelfService.Tests.Webhooks;

/// <summary>
/// Every source of an outbound event, through the one owner of its change (the CRM API, the request workflow, the grant
/// jobs, the rollup), delivered to a real Kestrel receiver on loopback and verified with the StandardWebhooks package.
/// </summary>
public abstract class OutboundEventTests(TestDatabase database) : IAsyncLifetime
{
    private readonly WebhookApp _app = new() { Database = database };
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _app.Dispose();
    }

    /// <summary>
    /// Sends everything due, on the real clock: the StandardWebhooks package judges a delivery's timestamp against the
    /// real time (5 minutes' tolerance), and the test clock starts in the past.
    /// </summary>
    private async Task<IReadOnlyList<(string Type, JsonElement Data, string Id, DateTime Timestamp)>> DeliverAndVerify(string secret)
    {
        if (DateTimeOffset.UtcNow > _app.Clock.GetUtcNow()) _app.Clock.SetUtcNow(DateTimeOffset.UtcNow);
        await _app.Get<WebhookDeliveries>().DeliverDueAsync(default);
        var verifier = new StandardWebhook(secret);
        return _receiver.Requests.Select(r =>
        {
            verifier.Verify(r.Body, r.Headers); // throws when the signature does not verify
            var json = JsonDocument.Parse(r.Body).RootElement;
            Assert.Equal(r.Headers["webhook-id"].ToString(), json.GetProperty("id").GetString());
            return (json.GetProperty("type").GetString()!, json.GetProperty("data").Clone(), json.GetProperty("id").GetString()!, json.GetProperty("timestamp").GetDateTime());
        }).ToList();
    }

    private static JsonElement Change(JsonElement data, string feature) =>
        data.GetProperty("changes").EnumerateArray().Single(c => c.GetProperty("feature").GetString() == feature);

    /// <summary>The rollup, past its safety lag (it folds only events received at least a minute ago on a database server).</summary>
    private async Task Rollup()
    {
        _app.Clock.Advance(TimeSpan.FromMinutes(2));
        await _app.Get<UsageRollup>().RunAsync();
    }

    private Task<long> EventCount() => Scalar<long>(_app, "select count(*) from OutboundEvent");

    [SkippableFact]
    public async Task EveryEventType_ArrivesSigned_WithItsDocumentedPayload()
    {
        var (_, secret) = await WebhookDeliveryTests.CreateEndpoint(_app, _receiver.Url, [.. EventTypes.All]);

        // The CRM creates a customer and its subscription.
        var crm = await ApiTestClient.Provisioner(_app);
        await (await crm.Send(HttpMethod.Put, "/api/v1/customers/wayne", """{"name":"Wayne Enterprises"}""")).JsonOf(HttpStatusCode.Created);
        await (await crm.Send(HttpMethod.Put, "/api/v1/customers/wayne/subscription", """{"plan":"starter","billingAnchorDay":1}""")).JsonOf(HttpStatusCode.Created);

        // Acme's Owner asks for seats, the vendor's Approver approves: the add-on is provisioned in the same transaction.
        var request = await Ask(_app, "owner@acme.example", new RequestDraft { Kind = RequestKind.AddOn, AddOnCode = "extra-seats", Quantity = 2 });
        Assert.True((await Decide(_app, "approver@vendor.example", request, new RequestDecision(true, "Launch"))).Succeeded);

        // Acme at 86 % of its 100,000 API calls: one more call that the rollup folds is past 80 %... and 14,000 more past 100 %.
        var usage = await ApiTestClient.WithScopes(_app, ApiScopes.UsageWrite);
        var at = MeteringApp.Iso(_app.Now);
        await (await usage.Send(HttpMethod.Post, "/api/v1/usage", $$"""{"events":[{"id":"hook-1","customer":"acme","feature":"api-calls","quantity":14000,"timestamp":"{{at}}"}]}""")).JsonOf(HttpStatusCode.OK);
        await Rollup();

        // A grant of 2 days: announced 7 days ahead (at once), then a day ahead, then ended by the expiry job.
        var until = _app.Now.AddDays(2);
        var grant = await (await crm.Send(HttpMethod.Post, "/api/v1/customers/wayne/grants",
            $$"""{"feature":"api-calls","value":5000,"validUntil":"{{MeteringApp.Iso(until)}}","reason":"Launch week"}""")).JsonOf(HttpStatusCode.Created);
        var grantId = grant.GetProperty("id").GetInt64();
        await _app.Get<GrantEndingReminderJob>().Execute(default);
        _app.Clock.Advance(TimeSpan.FromDays(1.5));
        await _app.Get<GrantEndingReminderJob>().Execute(default);
        await _app.Get<GrantEndingReminderJob>().Execute(default); // seen again: nothing new
        _app.Clock.Advance(TimeSpan.FromDays(1));
        await _app.Get<ExpireGrantsJob>().Execute(default);
        await _app.Get<ExpireGrantsJob>().Execute(default);

        var received = await DeliverAndVerify(secret);

        Assert.Equal(EventTypes.All.Order(StringComparer.Ordinal), received.Select(r => r.Type).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(received.Count, received.Select(r => r.Id).Distinct().Count());

        var wayne = received.Where(r => r.Data.GetProperty("customer").GetString() == "wayne").ToList();
        var created = wayne[0];
        Assert.Equal(EventTypes.CustomerCreated, created.Type);
        Assert.Equal("Wayne Enterprises", created.Data.GetProperty("name").GetString());

        var subscribed = wayne.First(r => r.Type == EventTypes.SubscriptionChanged);
        Assert.Equal(JsonValueKind.Null, subscribed.Data.GetProperty("before").ValueKind);
        Assert.Equal("starter", subscribed.Data.GetProperty("after").GetProperty("plan").GetString());
        Assert.Equal("active", subscribed.Data.GetProperty("after").GetProperty("status").GetString());
        Assert.Equal("plan", subscribed.Data.GetProperty("why").GetString());
        var starter = wayne.First(r => r.Type == EventTypes.EntitlementsChanged);
        Assert.Equal("plan", starter.Data.GetProperty("why").GetString());
        Assert.Equal(JsonValueKind.Null, Change(starter.Data, "api-calls").GetProperty("before").ValueKind);
        Assert.Equal(JsonValueKind.Number, Change(starter.Data, "api-calls").GetProperty("after").ValueKind);

        var submitted = received.Single(r => r.Type == EventTypes.RequestSubmitted);
        Assert.Equal(("acme", request.Id, "add-on", "extra-seats", 2, "owner@acme.example"),
            (submitted.Data.GetProperty("customer").GetString(), submitted.Data.GetProperty("requestId").GetInt64(), submitted.Data.GetProperty("kind").GetString(),
             submitted.Data.GetProperty("item").GetString(), submitted.Data.GetProperty("quantity").GetInt32(), submitted.Data.GetProperty("requestedBy").GetString()));
        var decided = received.Single(r => r.Type == EventTypes.RequestDecided);
        Assert.Equal(("approved", "approver@vendor.example", "Launch"),
            (decided.Data.GetProperty("decision").GetString(), decided.Data.GetProperty("decidedBy").GetString(), decided.Data.GetProperty("reason").GetString()));

        var seats = received.Single(r => r.Type == EventTypes.SubscriptionChanged && r.Data.GetProperty("customer").GetString() == "acme");
        Assert.Equal("add-on", seats.Data.GetProperty("why").GetString());
        Assert.Equal(2, seats.Data.GetProperty("after").GetProperty("addOns").EnumerateArray()
                              .Single(a => a.GetProperty("code").GetString() == "extra-seats").GetProperty("quantity").GetInt32()
                          - (seats.Data.GetProperty("before").GetProperty("addOns").EnumerateArray()
                              .Where(a => a.GetProperty("code").GetString() == "extra-seats").Select(a => a.GetProperty("quantity").GetInt32()).FirstOrDefault()));
        Assert.StartsWith("Request #", seats.Data.GetProperty("reason").GetString());
        var moreSeats = received.Single(r => r.Type == EventTypes.EntitlementsChanged && r.Data.GetProperty("customer").GetString() == "acme");
        var members = Change(moreSeats.Data, "max-members");
        Assert.Equal(members.GetProperty("before").GetInt64() + 2 * 10, members.GetProperty("after").GetInt64()); // ten members per unit

        var crossings = received.Where(r => r.Type == EventTypes.UsageThresholdCrossed).Select(r => r.Data).ToList();
        Assert.Equal([80, 100], crossings.Select(c => c.GetProperty("threshold").GetInt32()).Order());
        var hundred = crossings.Single(c => c.GetProperty("threshold").GetInt32() == 100);
        Assert.Equal(("acme", "api-calls", 100_000L), (hundred.GetProperty("customer").GetString(), hundred.GetProperty("feature").GetString(), hundred.GetProperty("cap").GetInt64()));
        Assert.True(hundred.GetProperty("usage").GetDecimal() >= 100_000m);
        Assert.True(hundred.GetProperty("period").GetProperty("start").GetDateTime() < hundred.GetProperty("period").GetProperty("end").GetDateTime());

        // The demo has temporary grants of its own ending in these days too.
        var ending = wayne.Where(r => r.Type == EventTypes.GrantEnding).Select(r => r.Data).ToList();
        Assert.Equal([7, 1], ending.Select(e => e.GetProperty("endsInDays").GetInt32()));
        Assert.All(ending, e => Assert.Equal<(long, string?)>((grantId, "api-calls"), (e.GetProperty("grantId").GetInt64(), e.GetProperty("feature").GetString())));
        var ended = wayne.Single(r => r.Type == EventTypes.GrantEnded).Data;
        Assert.Equal<(long, string?)>((grantId, "expired"), (ended.GetProperty("grantId").GetInt64(), ended.GetProperty("why").GetString()));
        var expiry = wayne.Single(r => r.Type == EventTypes.EntitlementsChanged && r.Data.GetProperty("why").GetString() == "expiry").Data;
        var calls = Change(expiry, "api-calls");
        Assert.Equal(5000, calls.GetProperty("before").GetInt64() - calls.GetProperty("after").GetInt64());
    }

    [SkippableFact]
    public async Task EventsOfOneCustomer_ArriveInTheOrderTheyHappened_OnAHealthyEndpoint()
    {
        var (_, secret) = await WebhookDeliveryTests.CreateEndpoint(_app, _receiver.Url, [.. EventTypes.All]);
        var crm = await ApiTestClient.Provisioner(_app);
        await (await crm.Send(HttpMethod.Put, "/api/v1/customers/stark", """{"name":"Stark"}""")).JsonOf(HttpStatusCode.Created);
        _app.Clock.Advance(TimeSpan.FromSeconds(1));
        await (await crm.Send(HttpMethod.Put, "/api/v1/customers/stark/subscription", """{"plan":"starter","billingAnchorDay":1}""")).JsonOf(HttpStatusCode.Created);
        _app.Clock.Advance(TimeSpan.FromSeconds(1));
        await (await crm.Send(HttpMethod.Put, "/api/v1/customers/stark/subscription", """{"plan":"starter","billingAnchorDay":1,"status":"suspended"}""")).JsonOf(HttpStatusCode.OK);

        var received = await DeliverAndVerify(secret);

        Assert.Equal([EventTypes.CustomerCreated, EventTypes.SubscriptionChanged, EventTypes.EntitlementsChanged, EventTypes.SubscriptionChanged, EventTypes.EntitlementsChanged],
            received.Select(r => r.Type));
        Assert.Equal(received.Select(r => r.Timestamp).Order(), received.Select(r => r.Timestamp));
        // Ids are UUIDv7: they sort by the millisecond they were made in (events of one change share one).
        Assert.Equal(received.Select(r => r.Id[..16]).Order(StringComparer.Ordinal), received.Select(r => r.Id[..16]));
        // Suspended: the check refuses everything, and the event says so.
        var suspended = received[^1].Data;
        Assert.Equal("status", suspended.GetProperty("why").GetString());
        Assert.All(suspended.GetProperty("changes").EnumerateArray(), c => Assert.True(c.GetProperty("after").ValueKind is JsonValueKind.Null or JsonValueKind.False));
    }

    [SkippableFact]
    public async Task ChangeThroughTheOwner_RolledBack_EmitsNothing()
    {
        await WebhookDeliveryTests.CreateEndpoint(_app, _receiver.Url, [.. EventTypes.All]);
        var before = await EventCount();
        var changes = _app.Get<SubscriptionChanges>();
        var addOn = (await _app.Get<SelfService.Catalog.CatalogStore>().SnapshotAsync()).CurrentAddOns.First(a => a.Code == "extra-seats");

        await Assert.ThrowsAsync<InvalidOperationException>(() => _app.Get<Db>().WriteAsync(async (c, tx) =>
        {
            var s = await changes.LockAsync(c, tx, "acme");
            Assert.NotNull(await changes.AddAddOnQuantityAsync(c, tx, s!, addOn, 1, new ChangeBy("tests", _app.Now, "rolled back")));
            Assert.True(await c.ExecuteScalarAsync<long>("select count(*) from OutboundEvent", transaction: tx) > before); // written in the change's transaction
            throw new InvalidOperationException("the change fails after its events were written");
        }));

        Assert.Equal(before, await EventCount());
        Assert.Equal(0, await _app.Get<WebhookDeliveries>().DeliverDueAsync(default));
        Assert.Empty(_receiver.Requests);
    }

    [SkippableFact]
    public async Task ThresholdCrossing_IsEmittedOnce_NotOnReplaysOrLaterRollups()
    {
        await WebhookDeliveryTests.CreateEndpoint(_app, _receiver.Url, EventTypes.UsageThresholdCrossed);
        var usage = await ApiTestClient.WithScopes(_app, ApiScopes.UsageWrite);
        var batch = $$"""{"events":[{"id":"replayed-1","customer":"acme","feature":"api-calls","quantity":100,"timestamp":"{{MeteringApp.Iso(_app.Now)}}"}]}""";
        await (await usage.Send(HttpMethod.Post, "/api/v1/usage", batch)).JsonOf(HttpStatusCode.OK);
        await Rollup();
        await (await usage.Send(HttpMethod.Post, "/api/v1/usage", batch)).JsonOf(HttpStatusCode.OK); // the same event again
        await Rollup();
        await Rollup();

        var events = await _app.Get<OutboundEvents>().RecentAsync(EventTypes.UsageThresholdCrossed);
        var only = Assert.Single(events);
        Assert.Contains("\"threshold\":80", only.Payload);
    }
}

public sealed class SqliteOutboundEventTests() : OutboundEventTests(TestDatabase.Sqlite);

public sealed class PostgreSqlOutboundEventTests() : OutboundEventTests(TestDatabase.PostgreSql);

public sealed class SqlServerOutboundEventTests() : OutboundEventTests(TestDatabase.SqlServer);
