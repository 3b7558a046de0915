using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using SelfService.Api;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Integration;
using Xunit.Abstractions;

namespace SelfService.Tests.Robustness;

/// <summary>
/// Every endpoint under <c>/api</c>, taken from the app's own endpoint data source (so a new endpoint is swept the day
/// it is mapped), receives malformed input: invalid UTF-8 and lone surrogates in each string of a valid body, a
/// byte-order mark, wrong media types, oversized and broken bodies, methods it does not take, HEAD, NUL in its path.
/// Every answer is a 4xx problem+json (never a 5xx, never HTML) and nothing is stored.
/// </summary>
public abstract class ApiSweepTests<TFactory>(TFactory app, ITestOutputHelper output) where TFactory : AppFactory
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    /// <summary>A valid body per operation (by endpoint name); every string in it is replaced in turn by bad text.</summary>
    private Dictionary<string, JsonObject> ValidBodies() => new()
    {
        ["PutCustomer"] = new() { ["name"] = "Acme Corp" },
        ["PutSubscription"] = new() { ["plan"] = "business", ["addOns"] = new JsonArray(new JsonObject { ["code"] = "extra-seats", ["quantity"] = 1 }), ["status"] = "active" },
        ["AddGrant"] = new() { ["feature"] = "max-members", ["value"] = 5, ["reason"] = "Sweep", ["validUntil"] = app.Now.AddDays(10).ToString("O") },
        ["IngestUsage"] = new()
        {
            ["events"] = new JsonArray(new JsonObject
            {
                ["id"] = $"sweep-{Guid.NewGuid():N}", ["customer"] = "acme", ["feature"] = "api-calls", ["quantity"] = 1, ["timestamp"] = app.Now.ToString("O"),
            }),
        },
        ["CreateWebhookEndpoint"] = new() { ["url"] = "https://example.com/hooks", ["events"] = new JsonArray("entitlements.changed"), ["description"] = "Sweep" },
        ["UpdateWebhookEndpoint"] = new() { ["description"] = "Sweep" },
    };

    private static readonly (string Name, byte[] Bytes)[] BadText =
    [
        ("invalid UTF-8", [0x61, 0xFF, 0xFE, 0x62]),
        ("a lone surrogate", "a\\ud800b"u8.ToArray()),
        ("a truncated sequence", [0x61, 0xE2, 0x82]),
    ];

    [SkippableFact]
    public async Task EveryApiEndpoint_AnswersMalformedInputWithA4xxProblem_AndStoresNothing()
    {
        var client = await ApiTestClient.WithScopes(app, ApiScopes.All);
        var https = app.HttpsClient();
        https.DefaultRequestHeaders.Authorization = client.DefaultRequestHeaders.Authorization;
        client = https;
        using (var created = await client.Send(HttpMethod.Post, "/api/v1/webhook-endpoints", """{"url":"https://example.com/a","events":["entitlements.changed"]}"""))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var sweep = new Sweep(app, output);

        var endpoints = app.Get<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .Select(e => (Pattern: e.RoutePattern.RawText!, Name: e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName,
                Methods: e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? []))
            .ToList();
        Assert.True(endpoints.Count >= 15, $"only {endpoints.Count} API endpoints found");
        var bodies = ValidBodies();

        foreach (var (pattern, name, methods) in endpoints)
        {
            var url = Fill(pattern);
            foreach (var method in methods.Where(m => m is "POST" or "PUT" or "PATCH"))
            {
                if (name is null || !bodies.ContainsKey(name))
                {
                    // An operation that takes no body ignores one; whatever it is sent, it answers without a 5xx.
                    foreach (var (what, bytes) in BadText)
                        await sweep.Fire($"{method} {pattern} (takes no body) with {what}", () => Send(client, method, url, [.. "{\"a\":\""u8, .. bytes, .. "\"}"u8]),
                            Status4xxProblemOrSuccess, mayStore: true);
                    continue;
                }
                var label = $"{method} {pattern}";
                if (name is not null && bodies.TryGetValue(name, out var body))
                {
                    foreach (var (path, _) in StringLeaves(body))
                    foreach (var (what, bytes) in BadText)
                    {
                        var content = WithBadText(body, path, bytes);
                        await sweep.Fire($"{label} with {what} in {path}", () => Send(client, method, url, content),
                            (r, b) => ValidationProblemNaming(r, b, path));
                    }
                    // A property name that is not text at all.
                    var badName = Encoding.UTF8.GetBytes(body.ToJsonString()[..^1] + ",\"x").Concat(new byte[] { 0xFF }).Concat("\":1}"u8.ToArray()).ToArray();
                    await sweep.Fire($"{label} with invalid UTF-8 in a property name", () => Send(client, method, url, badName), Status4xxProblem);

                    // A byte-order mark before a valid body is accepted like the body alone.
                    var bom = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(ValidBodies()[name].ToJsonString())).ToArray();
                    await sweep.Fire($"{label} with a byte-order mark", () => Send(client, method, url, bom),
                        (r, b) => r.IsSuccessStatusCode ? null : "a body after a byte-order mark was refused", mayStore: true);
                }
                await sweep.Fire($"{label} as text/plain", () => Send(client, method, url, "{}"u8.ToArray(), "text/plain"), (r, b) =>
                    Status4xxProblem(r, b) ?? ((int)r.StatusCode is 415 or 400 or 404 ? null : "expected 415"));
                await sweep.Fire($"{label} with broken JSON", () => Send(client, method, url, "{\"a\":"u8.ToArray()), Status4xxProblem);
                await sweep.Fire($"{label} with 2 MB", () => Send(client, method, url, Encoding.UTF8.GetBytes($"{{\"name\":\"{new string('a', 2 << 20)}\"}}")),
                    (r, b) => Status4xxProblem(r, b) ?? ((int)r.StatusCode is 413 or 404 ? null : "expected 413"));
                await sweep.Fire($"{label} with NUL in a string", () => Send(client, method, url, "{\"name\":\"a\\u0000b\"}"u8.ToArray()), Status4xxProblemOrSuccess, mayStore: true);
            }
        }

        foreach (var group in endpoints.GroupBy(e => e.Pattern))
        {
            var url = Fill(group.Key);
            var allowed = group.SelectMany(e => e.Methods).ToHashSet();
            foreach (var method in Methods.Where(m => !allowed.Contains(m)))
            {
                await sweep.Fire($"{method} {group.Key} (not allowed)", () => Send(client, method, url, method == "GET" || method == "DELETE" ? null : "{}"u8.ToArray()), (r, b) =>
                    Status4xxProblem(r, b) ?? (r.StatusCode != HttpStatusCode.MethodNotAllowed ? "expected 405"
                        : !r.Content.Headers.Allow.Any() ? "405 without Allow" : null));
            }
            await sweep.Fire($"HEAD {group.Key}", () => Send(client, "HEAD", url, null), (r, b) =>
                r.IsSuccessStatusCode || r.Content.Headers.ContentType?.MediaType == "application/problem+json" ? null : "a HEAD error that is not problem+json");
            await sweep.Fire($"GET {group.Key} with NUL in the query", () => Send(client, "GET", url + "?requested=%00&customer=%00", null), Status4xxProblemOrSuccess);
        }

        foreach (var unknown in new[] { "/api/v1/nothing-here", "/api/v2/usage", "/api/", "/api/v1/customers/acme/entitlements/api-calls/extra" })
        {
            await sweep.Fire($"GET {unknown}", () => Send(client, "GET", unknown, null), (r, b) =>
                Status4xxProblem(r, b) ?? (r.StatusCode != HttpStatusCode.NotFound ? "expected 404" : null));
            await sweep.Fire($"POST {unknown}", () => Send(client, "POST", unknown, "{}"u8.ToArray()), (r, b) =>
                Status4xxProblem(r, b) ?? (r.StatusCode != HttpStatusCode.NotFound ? "expected 404" : null));
        }

        sweep.Report($"API sweep ({app.EnvironmentName})");
        Assert.True(sweep.Failures.Count == 0, $"{sweep.Failures.Count} of {sweep.Sent} inputs failed:\n{string.Join('\n', sweep.Failures)}");
    }

    private static string Fill(string pattern) => pattern
        .Replace("{customer}", "acme", StringComparison.Ordinal)
        .Replace("{feature}", "api-calls", StringComparison.Ordinal)
        .Replace("{id}", "1", StringComparison.Ordinal);

    private static Task<HttpResponseMessage> Send(HttpClient client, string method, string url, byte[]? body, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }
        return client.SendAsync(request);
    }

    /// <summary>Each string in <paramref name="node"/> by its field path (<c>events[0].id</c>).</summary>
    private static IEnumerable<(string Path, JsonValue Value)> StringLeaves(JsonNode node, string path = "")
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o)
                    if (child is not null) foreach (var leaf in StringLeaves(child, path.Length == 0 ? key : $"{path}.{key}")) yield return leaf;
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    if (a[i] is { } child) foreach (var leaf in StringLeaves(child, $"{path}[{i}]")) yield return leaf;
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                yield return (path, v);
                break;
        }
    }

    private static byte[] WithBadText(JsonObject body, string path, byte[] bad)
    {
        const string Marker = "\u0001MARK\u0001";
        var copy = body.DeepClone();
        var leaf = StringLeaves(copy).Single(l => l.Path == path).Value;
        leaf.ReplaceWith(JsonValue.Create(Marker));
        var text = Encoding.UTF8.GetBytes(copy.ToJsonString());
        var marker = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(Marker)[1..^1]);
        var at = text.AsSpan().IndexOf(marker);
        return [.. text[..at], .. bad, .. text[(at + marker.Length)..]];
    }

    private static string? Status4xxProblem(HttpResponseMessage r, string body)
    {
        var status = (int)r.StatusCode;
        if (status is < 400 or >= 500) return "expected a 4xx";
        if (r.Content.Headers.ContentType?.MediaType != "application/problem+json") return "not problem+json";
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.GetProperty("status").GetInt32() != status) return "the problem's status differs from the answer's";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "a problem body without its status";
        }
        return null;
    }

    private static string? Status4xxProblemOrSuccess(HttpResponseMessage r, string body) => r.IsSuccessStatusCode ? null : Status4xxProblem(r, body);

    private static string? ValidationProblemNaming(HttpResponseMessage r, string body, string field)
    {
        if (Status4xxProblem(r, body) is { } problem) return problem;
        if (r.StatusCode != HttpStatusCode.BadRequest) return "expected 400";
        using var json = JsonDocument.Parse(body);
        return json.RootElement.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _)
            ? null
            : $"the problem does not name {field}";
    }
}

public sealed class ApiSweepDevelopmentTests(AppFactory app, ITestOutputHelper output)
    : ApiSweepTests<AppFactory>(app, output), IClassFixture<AppFactory>;

public sealed class ApiSweepProductionTests(ProductionAppFactory app, ITestOutputHelper output)
    : ApiSweepTests<ProductionAppFactory>(app, output), IClassFixture<ProductionAppFactory>;

public sealed class PostgreSqlApiSweepTests(PostgreSqlApp app, ITestOutputHelper output)
    : ApiSweepTests<PostgreSqlApp>(app, output), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerApiSweepTests(SqlServerApp app, ITestOutputHelper output)
    : ApiSweepTests<SqlServerApp>(app, output), IClassFixture<SqlServerApp>;
