using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using SelfService.Api;
using SelfService.Integration;

namespace SelfService.Webhooks;

/// <summary><c>/api/v1/webhook-endpoints</c>: the vendor's systems manage where outbound events go (scope <c>webhooks:write</c>).</summary>
public static class WebhookEndpointsApi
{
    public const string Tag = "Webhooks";

    public sealed record EndpointView(long Id, string Url, string Description, IReadOnlyList<string> Events, bool Enabled,
        string? DisabledReason, DateTime CreatedAt, DateTime? PreviousSecretValidUntil);

    public sealed record CreatedEndpoint(long Id, string Url, string Description, IReadOnlyList<string> Events, bool Enabled,
        DateTime CreatedAt, string Secret);

    public sealed record RotatedSecret(long Id, string Secret, DateTime PreviousSecretValidUntil);

    public sealed record EndpointBody(string Url, string[] Events, bool? Enabled, string? Description);

    public static void Map(RouteGroupBuilder api)
    {
        var scope = ApiSetup.Scope(ApiScopes.WebhooksWrite);
        var group = api.MapGroup("/webhook-endpoints").RequireAuthorization(scope).WithTags(Tag);

        group.MapGet("", List).WithName("ListWebhookEndpoints").WithSummary("Every webhook endpoint")
            .Produces<IReadOnlyList<EndpointView>>().ProducesProblem(401).ProducesProblem(403).ProducesProblem(429);
        group.MapGet("/{id}", Get).WithName("GetWebhookEndpoint").WithSummary("One webhook endpoint")
            .Produces<EndpointView>().ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(429);
        group.MapPost("", Create).WithName("CreateWebhookEndpoint").WithSummary("Add an endpoint; the answer carries its signing secret, shown once")
            .WithDescription("`{\"url\": \"https://…\", \"events\": [\"entitlements.changed\", …]}`. The `secret` (`whsec_…`) verifies the `webhook-signature` header (Standard Webhooks).")
            .Accepts<EndpointBody>("application/json")
            .Produces<CreatedEndpoint>(StatusCodes.Status201Created).ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(429);
        group.MapMethods("/{id}", ["PATCH"], Patch).WithName("UpdateWebhookEndpoint").WithSummary("Change an endpoint's url, events, description or enabled")
            .Accepts<EndpointBody>("application/json")
            .Produces<EndpointView>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(429);
        group.MapDelete("/{id}", Delete).WithName("DeleteWebhookEndpoint").WithSummary("Delete an endpoint: nothing more is sent to it")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(429);
        group.MapPost("/{id}/rotate-secret", Rotate).WithName("RotateWebhookSecret")
            .WithSummary("A new signing secret, shown once; the previous one keeps signing beside it for the overlap (24 h)")
            .Produces<RotatedSecret>().ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(429);
    }

    public static EndpointView View(WebhookEndpoint e, DateTime now) =>
        new(e.Id, e.Url, e.Description, e.EventList, e.Enabled, e.DisabledReason, e.CreatedAt, e.PreviousSecretUntil > now ? e.PreviousSecretUntil : null);

    private static async Task<IResult> List(WebhookEndpointStore store, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return TypedResults.Ok((await store.ListAsync(ct)).Select(e => View(e, now)).ToList());
    }

    private static async Task<IResult> Get(string id, WebhookEndpointStore store, TimeProvider clock, CancellationToken ct) =>
        ParseId(id) is { } n && await store.FindAsync(n, ct) is { } e ? TypedResults.Ok(View(e, clock.GetUtcNow().UtcDateTime)) : Missing(id);

    private static async Task<IResult> Create(HttpContext http, WebhookEndpointStore store, CancellationToken ct)
    {
        var (change, problem) = await ReadAsync(http, store, creating: true);
        if (problem is not null) return problem;
        var (endpoint, secret) = await store.CreateAsync(change!, Actor(http.User), ct);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"/api/v1/webhook-endpoints/{endpoint.Id}",
            new CreatedEndpoint(endpoint.Id, endpoint.Url, endpoint.Description, endpoint.EventList, endpoint.Enabled, endpoint.CreatedAt, secret));
    }

    private static async Task<IResult> Patch(string id, HttpContext http, WebhookEndpointStore store, TimeProvider clock, CancellationToken ct)
    {
        var (change, problem) = await ReadAsync(http, store, creating: false);
        if (problem is not null) return problem;
        if (ParseId(id) is not { } n || await store.UpdateAsync(n, change!, Actor(http.User), ct) is not { } updated) return Missing(id);
        return TypedResults.Ok(View(updated, clock.GetUtcNow().UtcDateTime));
    }

    private static async Task<IResult> Delete(string id, HttpContext http, WebhookEndpointStore store, CancellationToken ct) =>
        ParseId(id) is { } n && await store.DeleteAsync(n, Actor(http.User), ct) ? TypedResults.NoContent() : Missing(id);

    private static async Task<IResult> Rotate(string id, HttpContext http, WebhookEndpointStore store, CancellationToken ct)
    {
        if (ParseId(id) is not { } n || await store.RotateAsync(n, Actor(http.User), ct) is not { } rotated) return Missing(id);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new RotatedSecret(n, rotated.Secret, rotated.PreviousValidUntil));
    }

    private static async Task<(EndpointChange? Change, IResult? Problem)> ReadAsync(HttpContext http, WebhookEndpointStore store, bool creating)
    {
        var errors = new FieldErrors();
        var (request, problem) = await WriteRequest.ReadAsync(http, errors, expectBody: true);
        if (problem is not null) return (null, problem);
        EndpointChange? change = null;
        if (request!.Body is { } body && JsonFields.Of(body, errors) is { } fields)
        {
            var url = fields.String("url", required: false, WebhookEndpointStore.MaxUrlLength + 1);
            var description = fields.Value("description", required: false) is { } d
                ? d.ValueKind == JsonValueKind.String ? d.GetString()!.Trim() : Fail(fields, "description", "Must be a string.")
                : null;
            bool? enabled = fields.Value("enabled", required: false) is { } en
                ? en.ValueKind is JsonValueKind.True or JsonValueKind.False ? en.GetBoolean() : FailBool(fields, "enabled")
                : null;
            List<string>? events = null;
            if (fields.Value("events", required: false) is { } ev)
            {
                if (ev.ValueKind != JsonValueKind.Array || ev.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
                    fields.Fail("events", "Must be an array of event type names.");
                else events = ev.EnumerateArray().Select(x => x.GetString()!.Trim()).ToList();
            }
            fields.RejectUnknown();
            change = new EndpointChange(url, events, enabled, description);
            foreach (var (field, message) in store.Validate(change, creating))
                if (!(field == "url" && errors.ToDictionary().ContainsKey("url"))) errors.Add(field, message);
        }
        if (errors.Any) return (null, ApiProblems.ValidationFailed(errors.ToDictionary()));
        return (change, null);
    }

    private static string? Fail(JsonFields fields, string name, string message) { fields.Fail(name, message); return null; }

    private static bool? FailBool(JsonFields fields, string name) { fields.Fail(name, "Must be true or false."); return null; }

    private static long? ParseId(string id) => long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static IResult Missing(string id) => ApiProblems.NotFoundProblem($"No webhook endpoint '{id}'.");

    private static string Actor(ClaimsPrincipal user) => user.Identity?.Name ?? "api-key";
}
