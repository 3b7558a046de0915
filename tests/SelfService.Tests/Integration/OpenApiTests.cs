using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Integration;

public sealed class OpenApiTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task OpenApiDocument_DescribesEveryIntegrationEndpoint_WithTheApiKeyScheme()
    {
        var doc = await (await app.CreateClient().GetAsync("/openapi/v1.json")).JsonOf(HttpStatusCode.OK);

        var paths = doc.GetProperty("paths");
        Assert.True(paths.GetProperty("/api/v1/customers/{customer}/entitlements/{feature}").TryGetProperty("get", out var check));
        Assert.Contains(check.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "requested");
        Assert.Contains("entitlements:read", check.GetProperty("description").GetString());
        Assert.True(paths.GetProperty("/api/v1/customers/{customer}/token").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/api/v1/customers/{customer}/subscription").GetProperty("put").TryGetProperty("requestBody", out _));
        Assert.True(paths.GetProperty("/api/v1/customers/{customer}/grants/{id}").TryGetProperty("delete", out _));
        Assert.True(paths.GetProperty("/.well-known/jwks.json").TryGetProperty("get", out _));
        Assert.Equal("bearer", doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey").GetProperty("scheme").GetString());
    }

    /// <summary>Operations that take no body.</summary>
    private static readonly HashSet<string> NoBody = ["IssueEntitlementToken", "RevokeGrant", "RotateWebhookSecret", "DeleteWebhookEndpoint"];

    [Fact]
    public async Task OpenApiDocument_IsValid_AndDescribesEveryMappedApiEndpoint_WithSchemasAndProblems()
    {
        var text = await (await app.CreateClient().GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync();
        var read = Microsoft.OpenApi.OpenApiDocument.Parse(text, "json");
        Assert.True(read.Diagnostic is null || read.Diagnostic.Errors.Count == 0,
            string.Join("; ", read.Diagnostic?.Errors.Select(e => $"{e.Pointer}: {e.Message}") ?? []));
        using var json = JsonDocument.Parse(text);
        var paths = json.RootElement.GetProperty("paths");

        var mapped = app.Get<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Path: "/" + e.RoutePattern.RawText!.Trim('/'), Method: m.ToLowerInvariant(),
                Name: e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName)))
            .ToList();
        Assert.True(mapped.Count >= 15);
        var problems = new List<string>();
        foreach (var (path, method, name) in mapped)
        {
            if (!paths.TryGetProperty(path, out var item) || !item.TryGetProperty(method, out var op)) { problems.Add($"{method} {path}: not in the document"); continue; }
            var label = $"{method} {path}";
            if (name is null || op.GetProperty("operationId").GetString() != name) problems.Add($"{label}: no operationId");
            var tags = op.TryGetProperty("tags", out var t) ? t.EnumerateArray().Select(x => x.GetString()!).ToList() : [];
            if (tags.Count == 0 || tags.Any(x => x.EndsWith("Endpoints", StringComparison.Ordinal) || x.EndsWith("Api", StringComparison.Ordinal)))
                problems.Add($"{label}: tagged [{string.Join(", ", tags)}]");
            var responses = op.GetProperty("responses");
            var success = responses.EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
            if (success.Count == 0) problems.Add($"{label}: no success response");
            foreach (var r in success.Where(r => r.Name != "204"))
                if (!r.Value.TryGetProperty("content", out var c) || !c.TryGetProperty("application/json", out var media) || !media.TryGetProperty("schema", out _))
                    problems.Add($"{label}: {r.Name} has no JSON schema");
            foreach (var status in new[] { "401", "403", "429" })
                if (!responses.TryGetProperty(status, out var r) || !r.TryGetProperty("content", out var c) || !c.TryGetProperty("application/problem+json", out _))
                    problems.Add($"{label}: no {status} problem response");
            if (method is "post" or "put" or "patch" && !NoBody.Contains(name ?? ""))
            {
                if (!op.TryGetProperty("requestBody", out var body) || !body.GetProperty("content").TryGetProperty("application/json", out var media) || !media.TryGetProperty("schema", out _))
                    problems.Add($"{label}: no request body schema");
                else if (!responses.TryGetProperty("400", out _)) problems.Add($"{label}: takes a body but declares no 400");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        foreach (var documented in paths.EnumerateObject().Where(p => p.Name.StartsWith("/api", StringComparison.Ordinal)))
            foreach (var op in documented.Value.EnumerateObject())
                Assert.Contains(mapped, m => m.Path == documented.Name && m.Method == op.Name);

        foreach (var write in new[] { ("/api/v1/customers/{customer}", "put"), ("/api/v1/customers/{customer}/subscription", "put"), ("/api/v1/customers/{customer}/grants", "post"), ("/api/v1/customers/{customer}/grants/{id}", "delete") })
            Assert.Contains(paths.GetProperty(write.Item1).GetProperty(write.Item2).GetProperty("parameters").EnumerateArray(),
                p => p.GetProperty("name").GetString() == "Idempotency-Key" && p.GetProperty("in").GetString() == "header");
        var usage = paths.GetProperty("/api/v1/usage").GetProperty("post");
        Assert.Equal("Usage", usage.GetProperty("tags")[0].GetString());
        Assert.True(usage.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").TryGetProperty("example", out _));
    }

    [Fact]
    public async Task Scalar_ShowsNoButtonThatSendsTheDocumentToAThirdParty()
    {
        var html = await (await app.CreateClient().GetAsync("/scalar")).Content.ReadAsStringAsync();
        Assert.Contains("\"hideClientButton\":true", html.Replace(" ", ""));
    }

    [Fact]
    public async Task Scalar_IsServed_WithInlineScriptAllowedOnItsPathOnly()
    {
        var client = app.CreateClient();

        var scalar = await client.GetAsync("/scalar");
        var signIn = await client.GetAsync("/account/sign-in");

        Assert.Equal(HttpStatusCode.OK, scalar.StatusCode);
        Assert.Equal("text/html", scalar.Content.Headers.ContentType?.MediaType);
        Assert.Contains("'unsafe-inline'", scalar.Headers.GetValues("Content-Security-Policy").Single());
        Assert.DoesNotContain("'unsafe-inline'", signIn.Headers.GetValues("Content-Security-Policy").Single());
    }
}
