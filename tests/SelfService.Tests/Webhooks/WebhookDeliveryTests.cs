using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using SelfService.Api;
using SelfService.Data;
using SelfService.Events;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Integration;
using SelfService.Webhooks;
using StandardWebhooks;

namespace SelfService.Tests.Webhooks;

/// <summary>An app that may reach its loopback receiver, as the tests' Kestrel receiver listens on 127.0.0.1.</summary>
public sealed class WebhookApp : AppFactory
{
    public WebhookApp() => Settings["SelfService:Webhooks:AllowPrivateNetworks"] = "true";
}

/// <summary>Signed delivery, back-off, restarts, 410 and a day of failures, rotation: written once, run per database.</summary>
public abstract class WebhookDeliveryTests(TestDatabase database) : IAsyncLifetime
{
    private readonly WebhookApp _app = new() { Database = database };
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _app.Dispose();
    }

    internal static async Task<(long Id, string Secret)> CreateEndpoint(AppFactory app, string url, params string[] events)
    {
        var client = await ApiTestClient.WithScopes(app, ApiScopes.WebhooksWrite);
        var body = JsonSerializer.Serialize(new { url, events = events.Length == 0 ? [EventTypes.CustomerCreated] : events });
        var created = await (await client.Send(HttpMethod.Post, "/api/v1/webhook-endpoints", body)).JsonOf(HttpStatusCode.Created);
        return (created.GetProperty("id").GetInt64(), created.GetProperty("secret").GetString()!);
    }

    internal static Task<string> Emit(AppFactory app, string type = EventTypes.CustomerCreated, object? data = null) =>
        app.Get<Db>().WriteAsync((c, tx) => app.Get<OutboundEvents>().EmitAsync(c, tx, type, null, data ?? new { customer = "acme" }, app.Now));

    /// <summary>Standard Webhooks' signature, computed here from the spec (HMAC-SHA256 of "id.timestamp.body"), not by the app's code path.</summary>
    internal static string IndependentSignature(string secret, string id, string timestamp, string body)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
    }

    [SkippableFact]
    public async Task Delivery_IsSignedPerStandardWebhooks_AndVerifiesWithTheStandardWebhooksPackage()
    {
        var (_, secret) = await CreateEndpoint(_app, _receiver.Url);
        // The package checks the timestamp against the real clock (5 minutes' tolerance): move the test clock to now.
        _app.Clock.SetUtcNow(DateTimeOffset.UtcNow);
        var messageId = await Emit(_app, data: new { customer = "acme", name = "Acme" });

        Assert.Equal(1, await _app.Get<WebhookDeliveries>().DeliverDueAsync(default));

        var received = Assert.Single(_receiver.Requests);
        new StandardWebhook(secret).Verify(received.Body, received.Headers); // throws when the signature does not verify
        Assert.Equal(messageId, received.Headers["webhook-id"].ToString());
        Assert.Throws<StandardWebhooks.Diagnostics.WebhookVerificationException>(() =>
            new StandardWebhook(WebhookEndpointStore.NewSecret()).Verify(received.Body, received.Headers));
        var json = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal("customer.created", json.GetProperty("type").GetString());
        Assert.Equal(messageId, json.GetProperty("id").GetString());
        Assert.Equal("Acme", json.GetProperty("data").GetProperty("name").GetString());
    }

    [SkippableFact]
    public async Task Endpoint_FailingThreeTimes_GetsTheEventAfterBackOff_AndTheLogShowsFourAttempts()
    {
        var (endpointId, secret) = await CreateEndpoint(_app, _receiver.Url);
        _receiver.AnswerWith(500, 503, 500);
        await Emit(_app);
        var deliveries = _app.Get<WebhookDeliveries>();

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.Equal(1, await deliveries.DeliverDueAsync(default));
            // Not again before the back-off has passed.
            _app.Clock.Advance(WebhookDeliveries.BackOff(attempt) - TimeSpan.FromSeconds(1));
            Assert.Equal(0, await deliveries.DeliverDueAsync(default));
            _app.Clock.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.Equal(1, await deliveries.DeliverDueAsync(default));
        _app.Clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(0, await deliveries.DeliverDueAsync(default)); // delivered: never sent again

        var requests = _receiver.Requests.ToList();
        Assert.Equal(4, requests.Count);
        Assert.Single(requests.Select(r => r.Headers["webhook-id"].ToString()).Distinct());
        foreach (var r in requests)
            Assert.Equal(IndependentSignature(secret, r.Headers["webhook-id"]!, r.Headers["webhook-timestamp"]!, r.Body), r.Headers["webhook-signature"].ToString());
        var (delivery, attempts) = Assert.Single(await deliveries.LogAsync(endpointId));
        Assert.Equal(DeliveryStatus.Delivered, delivery.Status);
        Assert.Equal([500, 503, 500, 200], attempts.Select(a => a.StatusCode ?? 0));
        Assert.True(attempts[1].AttemptedAt - attempts[0].AttemptedAt >= TimeSpan.FromSeconds(30));
        Assert.True(attempts[3].AttemptedAt - attempts[2].AttemptedAt >= TimeSpan.FromMinutes(2));
    }

    [SkippableFact]
    public async Task ChangeRolledBack_EmitsNothing()
    {
        await CreateEndpoint(_app, _receiver.Url);
        var before = (await _app.Get<OutboundEvents>().RecentAsync()).Count;

        await Assert.ThrowsAsync<InvalidOperationException>(() => _app.Get<Db>().WriteAsync(async (c, tx) =>
        {
            await _app.Get<OutboundEvents>().EmitAsync(c, tx, EventTypes.CustomerCreated, null, new { customer = "ghost" }, _app.Now);
            throw new InvalidOperationException("the change fails after the event was written");
        }));

        Assert.Equal(before, (await _app.Get<OutboundEvents>().RecentAsync()).Count);
        Assert.Equal(0, await _app.Get<WebhookDeliveries>().DeliverDueAsync(default));
        Assert.Empty(_receiver.Requests);
    }

    [SkippableFact]
    public async Task PendingDelivery_SurvivesARestart_AndIsDeliveredByTheNextInstance()
    {
        // _app only holds the database; the first instance commits and stops before any delivery, the next one starts after.
        _ = _app.Services;
        string messageId;
        using (var first = new WebhookApp { SharingDatabaseOf = _app })
        {
            await CreateEndpoint(first, _receiver.Url);
            messageId = await Emit(first);
            // The process ends here, between the commit and any delivery.
        }
        Assert.Empty(_receiver.Requests);

        using var second = new WebhookApp { SharingDatabaseOf = _app };
        Assert.Equal(1, await second.Get<WebhookDeliveries>().DeliverDueAsync(default));

        var received = Assert.Single(_receiver.Requests);
        Assert.Equal(messageId, received.Headers["webhook-id"].ToString());
        Assert.Equal(0, await second.Get<WebhookDeliveries>().DeliverDueAsync(default));
    }

    [SkippableFact]
    public async Task Gone_DisablesTheEndpoint_WithANotice()
    {
        var (endpointId, _) = await CreateEndpoint(_app, _receiver.Url);
        _receiver.AnswerWith(410);
        await Emit(_app);
        await _app.Get<WebhookDeliveries>().DeliverDueAsync(default);

        var endpoint = await _app.Get<WebhookEndpointStore>().FindAsync(endpointId);
        Assert.False(endpoint!.Enabled);
        Assert.Contains("410", endpoint.DisabledReason);
        await Emit(_app);
        _app.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await _app.Get<WebhookDeliveries>().DeliverDueAsync(default));
        Assert.Single(_receiver.Requests);
    }

    [SkippableFact]
    public async Task Endpoint_FailingForADay_IsDisabled_AndTheDeliveryGivenUp()
    {
        var (endpointId, _) = await CreateEndpoint(_app, _receiver.Url);
        _receiver.AnswerWith(Enumerable.Repeat(500, 40).ToArray());
        await Emit(_app);
        var deliveries = _app.Get<WebhookDeliveries>();
        var start = _app.Now;
        while (_app.Now < start.AddDays(1).AddHours(1))
        {
            await deliveries.DeliverDueAsync(default);
            _app.Clock.Advance(TimeSpan.FromMinutes(15));
        }

        var endpoint = await _app.Get<WebhookEndpointStore>().FindAsync(endpointId);
        Assert.False(endpoint!.Enabled);
        Assert.Contains("failed", endpoint.DisabledReason);
        var (delivery, attempts) = Assert.Single(await deliveries.LogAsync(endpointId));
        Assert.Equal(DeliveryStatus.Failed, delivery.Status);
        Assert.InRange(attempts.Count, 8, 20);
        Assert.True(attempts[^1].AttemptedAt - attempts[0].AttemptedAt <= TimeSpan.FromDays(1));
    }

    [SkippableFact]
    public async Task RotatedSecret_SignsBesideThePreviousOne_DuringTheOverlap()
    {
        var (endpointId, oldSecret) = await CreateEndpoint(_app, _receiver.Url);
        var rotated = await _app.Get<WebhookEndpointStore>().RotateAsync(endpointId, "tests");
        await Emit(_app);
        await _app.Get<WebhookDeliveries>().DeliverDueAsync(default);
        _app.Clock.Advance(TimeSpan.FromHours(25));
        await Emit(_app);
        await _app.Get<WebhookDeliveries>().DeliverDueAsync(default);

        var (during, after) = (_receiver.Requests.ElementAt(0), _receiver.Requests.ElementAt(1));
        string Sig(WebhookReceiver.Received r, string s) => IndependentSignature(s, r.Headers["webhook-id"]!, r.Headers["webhook-timestamp"]!, r.Body);
        Assert.Equal($"{Sig(during, rotated!.Value.Secret)} {Sig(during, oldSecret)}", during.Headers["webhook-signature"].ToString());
        Assert.Equal(Sig(after, rotated.Value.Secret), after.Headers["webhook-signature"].ToString());
    }
}

public sealed class SqliteWebhookDeliveryTests() : WebhookDeliveryTests(TestDatabase.Sqlite);

public sealed class PostgreSqlWebhookDeliveryTests() : WebhookDeliveryTests(TestDatabase.PostgreSql);

public sealed class SqlServerWebhookDeliveryTests() : WebhookDeliveryTests(TestDatabase.SqlServer);

public sealed class WebhookNetworkTests : IAsyncLifetime
{
    private readonly AppFactory _app = new(); // AllowPrivateNetworks off, as in production
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _app.Dispose();
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")] // a name is judged by the address it resolves to
    public async Task Delivery_ToALoopbackAddress_IsRefused_AndLogged(string host)
    {
        var url = _receiver.Url.Replace("127.0.0.1", host);
        var (endpointId, _) = await WebhookDeliveryTests.CreateEndpoint(_app, url);
        await WebhookDeliveryTests.Emit(_app);

        Assert.Equal(1, await _app.Get<WebhookDeliveries>().DeliverDueAsync(default));

        Assert.Empty(_receiver.Requests);
        var (delivery, attempts) = Assert.Single(await _app.Get<WebhookDeliveries>().LogAsync(endpointId));
        Assert.Equal(DeliveryStatus.Pending, delivery.Status);
        var attempt = Assert.Single(attempts);
        Assert.Null(attempt.StatusCode);
        Assert.Contains("Refused", attempt.Error);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.20.0.1", true)]
    [InlineData("192.168.1.1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fd00::1", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("93.184.215.14", false)]
    [InlineData("172.32.0.1", false)]
    [InlineData("2606:4700::1111", false)]
    public void IsPrivate_JudgesAddresses(string address, bool expected) =>
        Assert.Equal(expected, WebhookNetwork.IsPrivate(IPAddress.Parse(address)));
}
