using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace SelfService.Api;

/// <summary>
/// An example request body (for operations that take one) and answer for every API operation, by operation id, shown in
/// the OpenAPI document and so in the reference at <c>/scalar</c>. The tests send each request example, in turn, to the
/// API on the demo data and compare the real answer's shape with the example's, so an example cannot drift from the API.
/// </summary>
public static class ApiExamples
{
    public sealed record Example(string Response, string? Request = null);

    /// <summary>Path and query parameters: what the examples are for (the demo's Acme Corp and its API calls).</summary>
    public static readonly IReadOnlyDictionary<string, JsonNode> Parameters = new Dictionary<string, JsonNode>
    {
        ["customer"] = JsonValue.Create("acme"),
        ["feature"] = JsonValue.Create("api-calls"),
        ["id"] = JsonValue.Create(42),
        ["requested"] = JsonValue.Create(1),
        ["country"] = JsonValue.Create("DE"),
    };

    private const string Check = """
        {"customer": "acme", "feature": "api-calls", "name": "API calls", "kind": "metered", "unit": "calls", "aggregation": "sum",
         "hasAccess": true, "reason": null, "limit": 100000, "unlimited": false, "hardCap": false, "usage": 86000, "remaining": 14000,
         "requested": 1, "overage": false, "periodStart": "2026-12-01T00:00:00Z", "periodEnd": "2027-01-01T00:00:00Z",
         "sources": [{"kind": "plan", "name": "Business", "code": "business", "quantity": 1, "value": 100000, "unlimited": false,
                      "contribution": 100000, "grantId": null, "reason": null, "grantedBy": null, "validFrom": null, "validUntil": null,
                      "regions": null}],
         "country": null, "allowedIn": null}
        """;

    private const string Customer = """
        {"customer": "acme", "name": "Acme Corp", "createdAt": "2026-04-04T09:00:00Z",
         "subscription": {"plan": {"code": "business", "version": 1, "name": "Business"}, "status": "active", "billingAnchorDay": 1,
                          "startedAt": "2026-05-04T09:00:00Z",
                          "addOns": [{"code": "extra-seats", "version": 1, "name": "Extra Seats", "quantity": 2}]}}
        """;

    private const string Grant = """
        {"id": 42, "feature": "4k-streaming", "value": true, "reason": "Winter premiere screening", "grantedBy": "api-key:CRM",
         "validFrom": null, "validUntil": "2026-12-20T00:00:00Z", "createdAt": "2026-12-04T15:23:09Z", "revokedAt": null,
         "revokedBy": null, "state": "active", "regions": {"only": ["DE", "FR"]}}
        """;

    private const string Endpoint = """
        {"id": 42, "url": "https://hooks.vendor.example/selfservice", "description": "Billing sync",
         "events": ["entitlements.changed", "request.decided"], "enabled": true, "disabledReason": null,
         "createdAt": "2026-12-04T15:23:10Z", "previousSecretValidUntil": null}
        """;

    public static readonly IReadOnlyDictionary<string, Example> ByOperation = new Dictionary<string, Example>
    {
        ["ListEntitlements"] = new($$"""
            {"customer": "acme", "name": "Acme Corp", "plan": {"code": "business", "version": 1, "name": "Business"},
             "subscriptionStatus": "active", "billingAnchorDay": 1, "at": "2026-12-04T15:23:00Z",
             "periodStart": "2026-12-01T00:00:00Z", "periodEnd": "2027-01-01T00:00:00Z", "entitlements": [{{Check}}], "country": null}
            """),
        ["CheckEntitlement"] = new(Check),
        ["IssueEntitlementToken"] = new("""
            {"token": "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InQ1enBjYmJZbzh6NDJqVjJuUjRZdXRmOVpfMVJ1MjhVSVFQYlJPM09EbXMifQ.eyJzdWIiOiJhY21lIn0.c2lnbmF0dXJl",
             "tokenType": "Bearer", "issuedAt": "2026-12-04T15:23:19Z", "expiresAt": "2026-12-04T15:38:19Z",
             "kid": "t5zpcbbYo8z42jV2nR4Yutf9Z_1Ru28UIQPbRO3ODms"}
            """),
        ["GetCustomer"] = new(Customer),
        ["PutCustomer"] = new(Customer, """
            {"name": "Acme Corp", "owner": {"email": "dana@acme.example", "name": "Dana Whitfield"}}
            """),
        ["PutSubscription"] = new(Customer, """
            {"plan": "business", "addOns": [{"code": "extra-seats", "quantity": 2}]}
            """),
        ["ListGrants"] = new($"[{Grant}]"),
        ["AddGrant"] = new(Grant, """
            {"feature": "4k-streaming", "value": true, "reason": "Winter premiere screening", "validUntil": "2026-12-20T00:00:00Z",
             "regions": {"only": ["DE", "FR"]}}
            """),
        ["IngestUsage"] = new("""
            {"received": 2, "accepted": 1, "duplicates": 1}
            """, """
            {"events": [{"id": "evt-2026-11-20-0001", "customer": "acme", "feature": "api-calls", "quantity": 120, "timestamp": "2026-11-20T10:30:00Z"},
                        {"id": "evt-2026-11-20-0001", "customer": "acme", "feature": "api-calls", "quantity": 120, "timestamp": "2026-11-20T10:30:00Z"}]}
            """),
        ["ListWebhookEndpoints"] = new($"[{Endpoint}]"),
        ["GetWebhookEndpoint"] = new(Endpoint),
        ["CreateWebhookEndpoint"] = new("""
            {"id": 42, "url": "https://hooks.vendor.example/selfservice", "description": "Billing sync",
             "events": ["entitlements.changed", "request.decided"], "enabled": true, "createdAt": "2026-12-04T15:23:10Z",
             "secret": "whsec_4XvqPS+hb0p0MQNCt1bhbXjwUBgOOLUwuWmi5zzoKlw="}
            """, """
            {"url": "https://hooks.vendor.example/selfservice", "events": ["entitlements.changed", "request.decided"], "description": "Billing sync"}
            """),
        ["UpdateWebhookEndpoint"] = new(Endpoint, """
            {"events": ["entitlements.changed", "request.decided", "usage.threshold_crossed"]}
            """),
        ["RotateWebhookSecret"] = new("""
            {"id": 42, "secret": "whsec_JTiiGboOQsDFERHTXURpQ/wVQbYU0BiLyDm8gUx+61s=", "previousSecretValidUntil": "2026-12-05T15:23:15Z"}
            """),
    };

    /// <summary>Puts the operation's examples into the document: request body, JSON success answers, parameters.</summary>
    public static Task Apply(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken _)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            if (parameter.Example is null && parameter.Name is { } name && Parameters.TryGetValue(name, out var value))
                parameter.Example = value.DeepClone();
        if (operation.OperationId is not { } id || !ByOperation.TryGetValue(id, out var example)) return Task.CompletedTask;
        if (example.Request is { } request && operation.RequestBody?.Content?.TryGetValue("application/json", out var body) == true)
            body.Example = JsonNode.Parse(request);
        foreach (var (status, response) in operation.Responses ?? [])
            if (status.StartsWith('2') && response.Content?.TryGetValue("application/json", out var media) == true)
                media.Example = JsonNode.Parse(example.Response);
        return Task.CompletedTask;
    }
}
