using System.Net;
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
