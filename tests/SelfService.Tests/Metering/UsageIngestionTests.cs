using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using SelfService.Data;
using static SelfService.Tests.Metering.MeteringApp;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Metering;

/// <summary>POST /api/v1/usage: dedup, all-or-nothing batches, and what the response says.</summary>
public abstract class UsageIngestionTests(MeteringApp app)
{
    private DateTime Now => app.Now;

    [SkippableFact]
    public async Task Post_SameBatchThreeTimes_CountsOnce()
    {
        var before = await app.Usage("globex", "api-calls");
        var batch = new[]
        {
            Event("thrice-1", "globex", "api-calls", 10, Now.AddMinutes(-3)),
            Event("thrice-2", "globex", "api-calls", 20, Now.AddMinutes(-2)),
            Event("thrice-3", "globex", "api-calls", 30.5m, Now.AddMinutes(-1)),
        };

        var first = await app.Post(batch);
        var second = await app.Post(batch);
        var third = await app.Post(batch);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal((3, 0), (first.Accepted, first.Duplicates));
        Assert.Equal((0, 3), (second.Accepted, second.Duplicates));
        Assert.Equal((0, 3), (third.Accepted, third.Duplicates));
        Assert.Equal(before + 60.5m, await app.Usage("globex", "api-calls"));
    }

    [SkippableFact]
    public async Task Post_SameIdUnderAnotherCustomer_CountsForThatCustomer()
    {
        var acme = await app.Usage("acme", "api-calls");
        var initech = await app.Usage("initech", "api-calls");

        var a = await app.Post(Event("shared-id", "acme", "api-calls", 7, Now.AddMinutes(-1)));
        var b = await app.Post(Event("shared-id", "initech", "api-calls", 9, Now.AddMinutes(-1)));

        Assert.Equal((1, 0), (a.Accepted, a.Duplicates));
        Assert.Equal((1, 0), (b.Accepted, b.Duplicates));
        Assert.Equal(acme + 7, await app.Usage("acme", "api-calls"));
        Assert.Equal(initech + 9, await app.Usage("initech", "api-calls"));
    }

    [SkippableFact]
    public async Task Post_DuplicateWithinOneBatch_CountsOnce_AndTheResponseSaysSo()
    {
        var before = await app.Usage("hooli", "api-calls");
        var e = Event("twice-in-batch", "hooli", "api-calls", 4, Now.AddMinutes(-1));

        var reply = await app.Post(e, e, Event("once-in-batch", "hooli", "api-calls", 1, Now));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal((2, 1), (reply.Accepted, reply.Duplicates));
        Assert.Equal(3, reply.Json.GetProperty("received").GetInt32());
        Assert.Equal(before + 5, await app.Usage("hooli", "api-calls"));
    }

    [SkippableFact]
    public async Task Post_SameIdWithAnotherPayload_IsAConflict_NamingTheEvent_AndStoresNothingOfTheBatch()
    {
        await app.Post(Event("conflicting", "umbrella", "storage-gb", 5, Now.AddMinutes(-10)));
        var before = await app.Usage("umbrella", "storage-gb");
        var rawBefore = await app.RawEventCount();

        var reply = await app.Post(
            Event("fresh-beside-conflict", "umbrella", "storage-gb", 50, Now.AddMinutes(-1)),
            Event("conflicting", "umbrella", "storage-gb", 6, Now.AddMinutes(-10)));

        Assert.Equal(HttpStatusCode.Conflict, reply.Status);
        Assert.Equal("application/problem+json", reply.ContentType);
        Assert.Equal("https://selfservice.example/problems/conflict", reply.Type);
        var reason = Assert.Single(Assert.Single(reply.Errors, e => e.Key == "events[1].id").Value);
        Assert.Contains("quantity", reason);
        Assert.Equal(before, await app.Usage("umbrella", "storage-gb"));
        Assert.Equal(rawBefore, await app.RawEventCount());
    }

    [SkippableFact]
    public async Task Post_SameInstantWithAnotherOffset_IsTheSamePayload()
    {
        var at = new DateTime(Now.Year, Now.Month, Now.Day, Now.Hour, 0, 0, DateTimeKind.Utc);
        var utc = Event("offset-same", "globex", "api-calls", 2, at);
        var shifted = Event("offset-same", "globex", "api-calls", 2, at);
        shifted["timestamp"] = at.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'+02:00'");

        Assert.Equal(1, (await app.Post(utc)).Accepted);
        var again = await app.Post(shifted);

        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(1, again.Duplicates);
    }

    [SkippableFact]
    public async Task Post_TenThousandEventsWithTenPercentDuplicates_ShuffledInConcurrentBatches_SumToTheDistinctTotal()
    {
        var customers = new[] { "acme", "initech", "globex" };
        var before = new Dictionary<string, decimal>();
        foreach (var c in customers) before[c] = await app.Usage(c, "api-calls");
        var random = new Random(20261120);
        var distinct = Enumerable.Range(0, 9_000)
            .Select(i => Event($"bulk-{i}", customers[i % 3], "api-calls", 1 + random.Next(100), Now.AddSeconds(-random.Next(86_400))))
            .ToList();
        var all = distinct.Concat(Enumerable.Range(0, 1_000).Select(_ => distinct[random.Next(distinct.Count)])).OrderBy(_ => random.Next()).ToList();
        Assert.Equal(10_000, all.Count);

        var replies = await Task.WhenAll(all.Chunk(250).Select(chunk => Task.Run(() => app.Post(Batch(chunk)))));

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(9_000, replies.Sum(r => r.Accepted));
        Assert.Equal(1_000, replies.Sum(r => r.Duplicates));
        foreach (var c in customers)
        {
            var expected = distinct.Where(e => (string)e["customer"]! == c).Sum(e => (decimal)e["quantity"]!);
            Assert.Equal(before[c] + expected, await app.Usage(c, "api-calls"));
        }
    }

    [SkippableFact]
    public async Task Post_FiftyConcurrentWriters_OnTheEmbeddedDatabase_SurfaceZeroBusyErrors()
    {
        var before = await app.Usage("hooli", "storage-gb", Now.AddHours(-1), Now.AddHours(1));
        var writers = Enumerable.Range(0, 50).Select(w => Task.Run(async () =>
        {
            var replies = new List<Reply>();
            for (var round = 0; round < 4; round++)
                replies.Add(await app.Post(Batch(Enumerable.Range(0, 50).Select(i =>
                    Event($"writer-{w}-{round}-{i}", "hooli", "storage-gb", w, Now.AddSeconds(-i))))));
            return replies;
        }));

        var replies = (await Task.WhenAll(writers)).SelectMany(r => r).ToList();

        Assert.Equal(200, replies.Count);
        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(10_000, replies.Sum(r => r.Accepted));
        await using var c = await app.Get<Db>().OpenAsync();
        Assert.Equal(10_000, await c.ExecuteScalarAsync<long>("select count(*) from UsageEvent where EventId like 'writer-%'"));
        Assert.Equal(Math.Max(before, 49), await app.Usage("hooli", "storage-gb", Now.AddHours(-1), Now.AddHours(1))); // storage is a peak
    }

    [SkippableFact]
    public async Task Post_ForACustomerAndFeatureCreatedAfterTheCacheWarmedUp_IsAccepted()
    {
        Assert.Equal(HttpStatusCode.OK, (await app.Post(Event("warm", "acme", "api-calls", 1, Now))).Status);
        var db = app.Get<Db>();
        await db.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync("insert into Customer (ExternalKey, Name, CreatedAt) values ('newco', 'NewCo', @now)", new { now = Now }, tx);
            await c.ExecuteAsync("insert into Feature (Handle, Name, Description, Kind, Unit, Aggregation, CreatedAt) values ('exports', 'Exports', '', 'Metered', 'exports', 'Sum', @now)", new { now = Now }, tx);
        });

        var reply = await app.Post(Event("new-1", "newco", "exports", 3, Now));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(3, await app.Usage("newco", "exports"));
    }

    public static TheoryData<string, string, string> BadEvents => new()
    {
        // field to change, its new JSON value, the reason expected for events[1].<field>
        { "customer", "\"nobody\"", "'nobody' is not a known customer key." },
        { "feature", "\"no-such-feature\"", "'no-such-feature' is not a known feature handle." },
        { "feature", "\"sso\"", "'sso' is a Boolean feature" },
        { "quantity", "-1", "must not be negative." },
        { "quantity", "\"NaN\"", "is NaN" },
        { "quantity", "\"Infinity\"", "is infinite" },
        { "quantity", "1e400", "is too large" },
        { "quantity", "\"twelve\"", "is not a number." },
        { "quantity", "true", "is not a number." },
        { "id", "null", "is required." },
        { "id", "\"\"", "is required." },
        { "id", "\"" + new string('x', 201) + "\"", "must be at most 200 characters" },
        { "timestamp", "OLD", "is older than the lateness window of 7 days" },
        { "timestamp", "AHEAD", "is more than 5 minutes in the future." },
        { "timestamp", "\"2026-11-20T10:00:00\"", "with an offset" },
        { "timestamp", "\"yesterday\"", "with an offset" },
    };

    [SkippableTheory]
    [MemberData(nameof(BadEvents))]
    public async Task Post_OneInvalidEvent_Rejects400_NamingTheEventAndReason_AndStoresNothing(string field, string value, string reason)
    {
        value = value switch
        {
            "OLD" => $"\"{Iso(Now.AddDays(-7).AddSeconds(-1))}\"",
            "AHEAD" => $"\"{Iso(Now.AddMinutes(5).AddSeconds(1))}\"",
            _ => value,
        };
        var good = Event($"good-{Guid.NewGuid():N}", "acme", "api-calls", 1, Now);
        var bad = Event($"bad-{Guid.NewGuid():N}", "acme", "api-calls", 1, Now);
        bad[field] = JsonNode.Parse(value);
        var before = await app.Usage("acme", "api-calls");
        var rawBefore = await app.RawEventCount();

        var reply = await app.Post(good, bad);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("application/problem+json", reply.ContentType);
        Assert.Equal("https://selfservice.example/problems/validation", reply.Type);
        var error = Assert.Single(reply.Errors);
        Assert.Equal($"events[1].{field}", error.Key);
        Assert.Contains(reason, Assert.Single(error.Value));
        Assert.Equal(before, await app.Usage("acme", "api-calls"));
        Assert.Equal(rawBefore, await app.RawEventCount());
    }

    [SkippableFact]
    public async Task Post_SeveralInvalidEvents_NamesEachOne()
    {
        var reply = await app.Post(
            Event("ok", "acme", "api-calls", 1, Now),
            Event("neg", "acme", "api-calls", -5, Now),
            Event("", "nobody", "sso", 1, Now.AddDays(-30)));

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal(["events[1].quantity", "events[2].customer", "events[2].feature", "events[2].id", "events[2].timestamp"], reply.Errors.Keys.Order());
        Assert.Contains("2 of 3 event(s) are invalid", reply.Json.GetProperty("detail").GetString());
    }

    [SkippableTheory]
    [InlineData("{\"events\": [", "malformed-json")]
    [InlineData("not json at all", "malformed-json")]
    [InlineData("{\"events\": 5}", "validation")]
    [InlineData("[]", "validation")]
    [InlineData("{\"events\": []}", "validation")]
    [InlineData("{\"events\": [1]}", "validation")]
    public async Task Post_MalformedBody_Answers400_AndStoresNothing(string body, string type)
    {
        var rawBefore = await app.RawEventCount();
        var reply = await app.Post(body);
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("application/problem+json", reply.ContentType);
        Assert.Equal($"https://selfservice.example/problems/{type}", reply.Type);
        Assert.Equal(rawBefore, await app.RawEventCount());
    }

    [SkippableFact]
    public async Task Post_MoreThanAThousandEvents_Answers413_AndStoresNothing()
    {
        var rawBefore = await app.RawEventCount();
        var reply = await app.Post(Batch(Enumerable.Range(0, 1_001).Select(i => Event($"many-{i}", "acme", "api-calls", 1, Now))));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, reply.Status);
        Assert.Equal("https://selfservice.example/problems/payload-too-large", reply.Type);
        Assert.Contains("at most 1,000 events", reply.Json.GetProperty("detail").GetString());
        Assert.Equal(rawBefore, await app.RawEventCount());
    }

    [SkippableFact]
    public async Task Post_MoreThanOneMegabyte_Answers413_AndStoresNothing()
    {
        var rawBefore = await app.RawEventCount();
        var padded = Event("big", "acme", "api-calls", 1, Now);
        padded["note"] = new string('x', 1024 * 1024);
        var reply = await app.Post(padded);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, reply.Status);
        Assert.Equal("https://selfservice.example/problems/payload-too-large", reply.Type);
        Assert.Equal(rawBefore, await app.RawEventCount());
    }

    [SkippableFact]
    public async Task Post_ChunkedBodyOverOneMegabyte_WithoutContentLength_Answers413()
    {
        using var client = app.ApiClient();
        var body = Encoding.UTF8.GetBytes(Batch([Event("chunked", "acme", "api-calls", 1, Now)]).Replace("{\"events\"", "{\"pad\":\"" + new string('y', 1024 * 1024) + "\",\"events\""));
        var content = new StreamContent(new MemoryStream(body));
        content.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/usage") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        var reply = await Reply.From(await client.SendAsync(request));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, reply.Status);
    }

    [SkippableTheory]
    [InlineData(null)]
    [InlineData("ss_wrongkey_abcdefghijklmnopqrstuvwxyz")]
    [InlineData("not-a-key")]
    public async Task Post_WithoutAValidKey_Answers401_AndStoresNothing(string? key)
    {
        var rawBefore = await app.RawEventCount();
        var reply = await app.Post(Batch([Event("unauth", "acme", "api-calls", 1, Now)]), key);
        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal("application/problem+json", reply.ContentType);
        Assert.Equal(rawBefore, await app.RawEventCount());
    }

    [SkippableFact]
    public async Task Post_WithAKeyLackingTheUsageScope_Answers403()
    {
        var (_, key) = await app.Get<SelfService.Api.ApiKeyStore>().CreateAsync("reader", [SelfService.Api.ApiScopes.EntitlementsRead], "test");
        var reply = await app.Post(Batch([Event("scope", "acme", "api-calls", 1, Now)]), key);
        Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
    }

    [SkippableFact]
    public async Task Post_NotJson_Answers415()
    {
        var reply = await app.Post("id=1", contentType: "application/x-www-form-urlencoded");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, reply.Status);
        Assert.Equal("application/problem+json", reply.ContentType);
    }
}

/// <summary>The per-key rate limit, on its own app so its budget is not shared with other tests.</summary>
public abstract class UsageRateLimitTests : IDisposable
{
    private readonly MeteringApp _app;

    protected UsageRateLimitTests(TestDatabase database)
    {
        _app = new() { Database = database };
        _app.Settings["SelfService:Api:RatePermits"] = "3";
    }

    public void Dispose() => _app.Dispose();

    [SkippableFact]
    public async Task Post_PastTheRateLimit_Answers429_WithRetryAfter_AndStoresNothing()
    {
        var now = _app.Now;
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await _app.Post(Event($"rate-{i}", "acme", "api-calls", 1, now))).Status);
        var before = await _app.Usage("acme", "api-calls");

        var reply = await _app.Post(Event("rate-over", "acme", "api-calls", 1, now));

        Assert.Equal(HttpStatusCode.TooManyRequests, reply.Status);
        Assert.Equal("application/problem+json", reply.ContentType);
        Assert.Equal("https://selfservice.example/problems/rate-limited", reply.Type);
        Assert.True(int.Parse(reply.Response.Headers.RetryAfter!.ToString()) > 0);
        Assert.Equal(before, await _app.Usage("acme", "api-calls"));
    }
}

public sealed class SqliteUsageIngestionTests(SqliteMeteringApp app) : UsageIngestionTests(app), IClassFixture<SqliteMeteringApp>;

public sealed class PostgreSqlUsageIngestionTests(PostgreSqlMeteringApp app) : UsageIngestionTests(app), IClassFixture<PostgreSqlMeteringApp>;

public sealed class SqlServerUsageIngestionTests(SqlServerMeteringApp app) : UsageIngestionTests(app), IClassFixture<SqlServerMeteringApp>;

public sealed class SqliteUsageRateLimitTests() : UsageRateLimitTests(TestDatabase.Sqlite);

public sealed class PostgreSqlUsageRateLimitTests() : UsageRateLimitTests(TestDatabase.PostgreSql);

public sealed class SqlServerUsageRateLimitTests() : UsageRateLimitTests(TestDatabase.SqlServer);
