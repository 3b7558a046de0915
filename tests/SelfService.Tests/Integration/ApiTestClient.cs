using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dapper;
using SelfService.Api;
using SelfService.Audit;
using SelfService.Data;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Integration;

/// <summary>Real HTTP to the app's API with a freshly created API key holding the given scopes.</summary>
public static class ApiTestClient
{
    public static async Task<HttpClient> WithScopes(AppFactory app, params string[] scopes)
    {
        var (_, plaintext) = await app.Get<ApiKeyStore>().CreateAsync($"test-{Guid.NewGuid():N}"[..20], scopes, "tests");
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", plaintext);
        return client;
    }

    public static Task<HttpClient> Reader(AppFactory app) => WithScopes(app, ApiScopes.EntitlementsRead);

    public static Task<HttpClient> Provisioner(AppFactory app) => WithScopes(app, ApiScopes.EntitlementsRead, ApiScopes.ProvisioningWrite);

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<HttpResponseMessage> Send(this HttpClient client, HttpMethod method, string url, string? json = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null) request.Content = Json(json);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await client.SendAsync(request);
    }

    public static async Task<JsonElement> JsonOf(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asserts a problem+json answer with <paramref name="status"/> and <paramref name="type"/>; returns its body.</summary>
    public static async Task<JsonElement> Problem(this HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var json = await response.JsonOf(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(type, json.GetProperty("type").GetString());
        return json;
    }

    public static string[] ErrorFields(this JsonElement problem) =>
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();

    public static async Task<IReadOnlyList<AuditEntry>> Audit(AppFactory app, string customer)
    {
        await using var c = await app.Get<Db>().OpenAsync();
        var id = await c.ExecuteScalarAsync<long>("select Id from Customer where ExternalKey = @customer", new { customer });
        return await app.Get<AuditLog>().ForCustomerAsync(id);
    }
}
