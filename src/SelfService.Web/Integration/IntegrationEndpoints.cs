using System.Globalization;
using System.Text.Json;
using SelfService.Api;
using SelfService.Catalog;
using SelfService.Data;

namespace SelfService.Integration;

/// <summary>The integration API's routes on the <c>/api/v1</c> group, and the public JWKS.</summary>
public static class IntegrationEndpoints
{
    public const string Tag = "Entitlements";
    public const string ProvisioningTag = "Provisioning";
    public const string JwksPath = "/.well-known/jwks.json";

    public static void Map(RouteGroupBuilder api, IEndpointRouteBuilder app)
    {
        var read = ApiSetup.Scope(ApiScopes.EntitlementsRead);
        var write = ApiSetup.Scope(ApiScopes.ProvisioningWrite);

        api.MapGet("/customers/{customer}/entitlements", GetEntitlements).RequireAuthorization(read).WithTags(Tag)
            .WithName("ListEntitlements").WithSummary("Every effective entitlement of a customer")
            .WithDescription("""
                Value, usage in the current period, remaining amount, period and sources of every feature the customer is entitled to, as of now.
                With `country=DE` (ISO 3166-1 alpha-2) every answer is for that country: a source counts only where its region rule allows.
                """)
            .Produces<AccountCheck>().Errors(400, 401, 403, 404, 429);

        api.MapGet("/customers/{customer}/entitlements/{feature}", GetEntitlement).RequireAuthorization(read).WithTags(Tag)
            .WithName("CheckEntitlement").WithSummary("May the customer use this feature (N more of it)?")
            .WithDescription("""
                `hasAccess` answers the question; when it is false, `reason` says why: `no-entitlement`, `cap-reached`, `subscription-inactive`,
                `region-not-allowed` (a source exists but none is valid in `country`; `allowedIn` lists their region rules), `embargoed`
                (`country` is on the catalog's embargo list) or `country-required` (no `country` given, every source has a region rule
                and the feature's policy for a request without a country is deny).
                With `country=DE` (ISO 3166-1 alpha-2, any case) the answer is for that country; a malformed or unassigned code is a 400 naming `country`.
                Without `requested`: may the customer use more now (a hard cap allows while usage is below the limit).
                With `requested=N`: may they use N more before the usage happens (allowed while usage + N stays within the limit).
                A soft cap always allows and sets `overage` when the use goes beyond the limit. Usage includes every accepted event.
                For a feature held as assigned seats (`max-members`) `usage` and `assigned` are the number of seats assigned, and
                `user=someone@example.com` asks whether that person of the customer holds one: `hasAccess` is true only for a seat holder,
                otherwise `reason` is `no-seat` (or `seat-over-limit`: the seat was assigned beyond a limit that fell since, kept but without
                access); `limit` and `assigned` come with it. `user` on a feature that is not assigned seats, or a malformed address, is a
                400 naming `user`; an address that is no person of the customer is a 404.
                """)
            .Produces<EntitlementCheck>().Errors(400, 401, 403, 404, 429);

        api.MapPost("/customers/{customer}/token", PostToken).RequireAuthorization(read).WithTags(Tag)
            .WithName("IssueEntitlementToken").WithSummary("A signed JWT (ES256) of the customer's entitlements and usage as of now")
            .WithDescription($"""
                Short-lived; verify it with the public keys at `{JwksPath}` (match the `kid` header). `exp` is at most 15 minutes after
                issue and never past the end (or start) of a grant the token reflects, nor the end of the usage period it carries, so an
                app deciding offline from an unexpired token decides as the check API would have at `usage_as_of.at`; `usage_as_of`
                also names the rollup `watermark` the usage was read at. Usage figures are exact decimals (at most 10^18, 6 decimal places).
                """)
            .Produces<IssuedToken>().Errors(401, 403, 404, 429);

        api.MapGet("/customers/{customer}", GetCustomer).RequireAuthorization(read).WithTags(ProvisioningTag)
            .WithName("GetCustomer").WithSummary("A customer with its subscription")
            .Produces<CustomerView>().Errors(401, 403, 404, 429);

        api.MapPut("/customers/{customer}", PutCustomer).RequireAuthorization(write).WithTags(ProvisioningTag)
            .WithName("PutCustomer").WithMetadata(IdempotencyKeyHeader.Instance).WithSummary("Create or update a customer")
            .WithDescription("""
                201 when created, 200 when it existed. Idempotent under an `Idempotency-Key` header. A plan change here applies at
                once, a downgrade too (the CRM's order is the vendor's decision; downgrades asked for in the portal are scheduled for
                the end of the billing period instead), and it replaces a pending scheduled plan change.
                """)
            .Accepts<CustomerBody>("application/json")
            .Produces<CustomerView>(StatusCodes.Status201Created).Produces<CustomerView>().Errors(400, 401, 403, 413, 422, 429);

        api.MapPut("/customers/{customer}/subscription", PutSubscription).RequireAuthorization(write).WithTags(ProvisioningTag)
            .WithName("PutSubscription").WithMetadata(IdempotencyKeyHeader.Instance).WithSummary("Set the customer's plan, add-ons with quantities, billing anchor and status")
            .WithDescription("""
                Replaces the subscription with what the order states: add-ons not listed are removed. A plan or add-on code the
                subscription already holds keeps its version; a new one takes the current version (or `planVersion`). Unknown codes → 404
                naming each; impossible quantities or an add-on of another plan family → 400 naming each. Every change is audited.
                A plan change here applies at once, a downgrade too, and replaces a pending scheduled plan change (one a customer's
                downgrade from the portal left for the end of the billing period).
                """)
            .Accepts<SubscriptionBody>("application/json")
            .Produces<CustomerView>(StatusCodes.Status201Created).Produces<CustomerView>().Errors(400, 401, 403, 404, 413, 422, 429);

        api.MapGet("/customers/{customer}/grants", GetGrants).RequireAuthorization(read).WithTags(ProvisioningTag)
            .WithName("ListGrants").WithSummary("Every grant of the customer's subscription, with its state")
            .Produces<IReadOnlyList<GrantView>>().Errors(401, 403, 404, 429);

        api.MapPost("/customers/{customer}/grants", PostGrant).RequireAuthorization(write).WithTags(ProvisioningTag)
            .WithName("AddGrant").WithMetadata(IdempotencyKeyHeader.Instance).WithSummary("Grant a feature to the customer's subscription, optionally for a window")
            .WithDescription("""
                `value`: a whole number, `true` for Boolean features, or `"unlimited"`. The window is `[validFrom, validUntil)`; checks reflect the grant at once.
                `regions` (optional) restricts where the grant counts: `{"only": ["DE", "FR"]}` or `{"except": ["US"]}`, country codes
                (ISO 3166-1 alpha-2) or region codes (`EU`, `EEA`, `DACH`, `NORTH-AMERICA`, or the operator's own); a bad one is a 400 naming it.
                """)
            .Accepts<GrantBody>("application/json")
            .Produces<GrantView>(StatusCodes.Status201Created).Errors(400, 401, 403, 404, 409, 413, 422, 429);

        api.MapDelete("/customers/{customer}/grants/{id}", DeleteGrant).RequireAuthorization(write).WithTags(ProvisioningTag)
            .WithName("RevokeGrant").WithMetadata(IdempotencyKeyHeader.Instance).WithSummary("Revoke a grant at once")
            .Produces(StatusCodes.Status204NoContent).Errors(401, 403, 404, 422, 429);

        app.MapGet(JwksPath, GetJwks).AllowAnonymous().WithTags(Tag)
            .WithName("Jwks").WithSummary("The public keys that verify entitlement tokens (JWKS)")
            .Produces<JwksDocument>();
    }

    /// <summary>Marks an operation that honours <c>Idempotency-Key</c>, so the OpenAPI document declares the header.</summary>
    public sealed class IdempotencyKeyHeader
    {
        public static readonly IdempotencyKeyHeader Instance = new();
    }

    private static RouteHandlerBuilder Errors(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses) builder.ProducesProblem(status);
        return builder;
    }

    // ---- documentation shapes of the request bodies (the handlers read the JSON themselves, to name every bad field)

    /// <param name="Name">The customer's display name.</param>
    /// <param name="Owner">
    /// The person to invite as the customer's first Owner. Invited once, while the customer has no Owner and the address
    /// has no open invitation: a replay, or a later identical PUT, sends nothing new.
    /// </param>
    public sealed record CustomerBody(string Name, OwnerBody? Owner);

    /// <param name="Email">Where the invitation goes; it must not belong to a user of another customer.</param>
    /// <param name="Name">The person's name, offered on the invitation page.</param>
    public sealed record OwnerBody(string Email, string? Name);

    public sealed record AddOnBody(string Code, int Quantity);

    /// <param name="Plan">Plan code, such as <c>business</c>.</param>
    /// <param name="PlanVersion">A specific version of the plan; default: the one held, else the current one.</param>
    /// <param name="AddOns">Every add-on the subscription should have, with quantities; others are removed.</param>
    /// <param name="BillingAnchorDay">Day of the month (1-31) usage periods start; default: kept, or today for a new subscription.</param>
    /// <param name="Status">active, suspended or cancelled; default: kept, or active.</param>
    public sealed record SubscriptionBody(string Plan, int? PlanVersion, IReadOnlyList<AddOnBody>? AddOns, int? BillingAnchorDay, string? Status);

    /// <param name="Value">A whole number, true (Boolean features) or "unlimited".</param>
    /// <param name="Regions">Where the grant counts: <c>{"only": [...]}</c> or <c>{"except": [...]}</c> of country or region codes; absent: everywhere.</param>
    public sealed record GrantBody(string Feature, JsonElement Value, DateTimeOffset? ValidFrom, DateTimeOffset? ValidUntil, string Reason, RegionsView? Regions);

    public sealed record JwksDocument(IReadOnlyList<EcPublicJwk> Keys);

    // ---- handlers ---------------------------------------------------------------------------------------------

    private static async Task<IResult> GetEntitlements(string customer, string? country, EntitlementChecks checks, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var code = Country(country, errors);
        if (errors.Count > 0) return ApiProblems.ValidationFailed(errors);
        return await checks.AccountAsync(customer, ct, code) is { } account
            ? TypedResults.Ok(account)
            : UnknownCustomer(customer);
    }

    /// <summary>The <c>country</c> query parameter as an assigned ISO 3166-1 alpha-2 code (any case), or an error naming it.</summary>
    private static string? Country(string? country, Dictionary<string, string[]> errors)
    {
        if (country is null) return null;
        if (Countries.Normalize(country, out var error) is { } code) return code;
        errors["country"] = [error!];
        return null;
    }

    private static async Task<IResult> GetEntitlement(string customer, string feature, string? requested, string? country, string? user, EntitlementChecks checks, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var code = Country(country, errors);
        if (user is not null && (user.Trim().Length is 0 or > 320 || user.Any(char.IsControl)
            || !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(user.Trim())))
            errors["user"] = ["Must be the e-mail address of a person of the customer, like name@example.com."];
        decimal? amount = null;
        if (requested is not null)
        {
            if (Quantities.ParseExact(requested.Trim()) is not { } exact) errors["requested"] = ["Must be a number of at least 0."];
            else if (exact.Error is { } reason) errors["requested"] = [$"{requested} {reason}"];
            else amount = exact.Value;
        }
        if (errors.Count > 0) return ApiProblems.ValidationFailed(errors);
        var (outcome, check) = await checks.FeatureAsync(customer, feature, amount, ct, code, user?.Trim());
        return outcome switch
        {
            EntitlementChecks.Outcome.UnknownCustomer => UnknownCustomer(customer),
            EntitlementChecks.Outcome.UnknownFeature => ApiProblems.NotFoundProblem($"No feature '{feature}'."),
            EntitlementChecks.Outcome.NotSeats => ApiProblems.ValidationFailed(new Dictionary<string, string[]>
            {
                ["user"] = [$"'{feature}' is not held as assigned seats, so no person holds it: ask without user."],
            }),
            EntitlementChecks.Outcome.UnknownUser => ApiProblems.NotFoundProblem($"No person '{user!.Trim()}' in customer '{customer}'."),
            _ => TypedResults.Ok(check),
        };
    }

    private static async Task<IResult> PostToken(string customer, EntitlementTokens tokens, HttpContext http, CancellationToken ct)
    {
        if (await tokens.IssueAsync(customer, ct) is not { } token) return UnknownCustomer(customer);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(token);
    }

    private static async Task<IResult> GetJwks(SigningKeyStore keys, HttpContext http, CancellationToken ct)
    {
        var published = await keys.JwksAsync(ct);
        if (published.Count == 0)
        {
            await keys.ActiveAsync(ct); // publish the first key before any token needs it
            published = await keys.JwksAsync(ct);
        }
        // Short enough that a rotated-in key is picked up well within a token's lifetime.
        http.Response.Headers.CacheControl = "public, max-age=300";
        return TypedResults.Ok(new JwksDocument(published));
    }

    private static async Task<IResult> GetCustomer(string customer, Provisioning provisioning, CancellationToken ct) =>
        await provisioning.CustomerAsync(customer, ct: ct) is { } view ? TypedResults.Ok(view) : UnknownCustomer(customer);

    private static async Task<IResult> GetGrants(string customer, Provisioning provisioning, TimeProvider clock, CancellationToken ct)
    {
        if (await provisioning.CustomerAsync(customer, ct: ct) is null) return UnknownCustomer(customer);
        return TypedResults.Ok(await provisioning.GrantsAsync(customer, clock.GetUtcNow().UtcDateTime, ct));
    }

    private static async Task<IResult> PutCustomer(string customer, HttpContext http, Provisioning provisioning, IdempotentWrites writes,
        SelfService.Mail.Mailer mailer, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (!Provisioning.CustomerKeyPattern().IsMatch(customer))
            errors.Add("customer", "A customer key is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        var (request, problem) = await WriteRequest.ReadAsync(http, errors, expectBody: true);
        if (problem is not null) return problem;
        var (name, owner) = Provisioning.ReadCustomer(Body(request!, errors));
        if (errors.Any) return ApiProblems.ValidationFailed(errors.ToDictionary());
        var mail = new SelfService.Mail.MailBatch(mailer);
        var result = await writes.RunAsync(request!, (c, tx, now) =>
            provisioning.PutCustomerAsync(c, tx, now, request!.Actor, AuditReason(request), customer, name!, owner, mail), ct);
        // Ids of a rolled-back attempt are harmless here: delivery claims only rows that exist and are pending.
        mailer.Dispatch(mail.Ids);
        return result;
    }

    private static async Task<IResult> PutSubscription(string customer, HttpContext http, Provisioning provisioning, IdempotentWrites writes,
        CatalogStore catalog, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var (request, problem) = await WriteRequest.ReadAsync(http, errors, expectBody: true);
        if (problem is not null) return problem;
        var order = Provisioning.ReadSubscription(Body(request!, errors), errors);
        if (errors.Any || order is null) return ApiProblems.ValidationFailed(errors.ToDictionary());
        var snapshot = await catalog.SnapshotAsync(ct);
        return await writes.RunAsync(request!, (c, tx, now) =>
            provisioning.PutSubscriptionAsync(c, tx, now, request!.Actor, AuditReason(request), customer, order, snapshot), ct);
    }

    private static async Task<IResult> PostGrant(string customer, HttpContext http, Provisioning provisioning, IdempotentWrites writes,
        CatalogStore catalog, RegionStore regions, TimeProvider clock, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var (request, problem) = await WriteRequest.ReadAsync(http, errors, expectBody: true);
        if (problem is not null) return problem;
        var regionCodes = (await regions.CatalogAsync(ct)).RegionCodes;
        var order = Provisioning.ReadGrant(Body(request!, errors), errors, clock.GetUtcNow().UtcDateTime, regionCodes);
        if (errors.Any || order is null) return ApiProblems.ValidationFailed(errors.ToDictionary());

        var feature = (await catalog.FeaturesAsync(ct)).FirstOrDefault(f => f.Handle == order.Feature);
        if (feature is null)
            return ApiProblems.Problem(StatusCodes.Status404NotFound, ApiProblems.NotFound, "Not found.", $"No feature '{order.Feature}'.",
                new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["feature"] = [$"No feature '{order.Feature}'."] } });
        if (Provisioning.GrantValue(feature, order.Value, errors) is not { } value) return ApiProblems.ValidationFailed(errors.ToDictionary());
        return await writes.RunAsync(request!, (c, tx, now) =>
            provisioning.AddGrantAsync(c, tx, now, request!.Actor, customer, feature, value, order), ct);
    }

    private static async Task<IResult> DeleteGrant(string customer, string id, HttpContext http, Provisioning provisioning, IdempotentWrites writes, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var (request, problem) = await WriteRequest.ReadAsync(http, errors, expectBody: false);
        if (problem is not null) return problem;
        if (errors.Any) return ApiProblems.ValidationFailed(errors.ToDictionary());
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var grantId))
            return ApiProblems.NotFoundProblem($"Customer '{customer}' has no grant '{id}'.");
        return await writes.RunAsync(request!, (c, tx, now) =>
            provisioning.RevokeGrantAsync(c, tx, now, request!.Actor, AuditReason(request), customer, grantId), ct);
    }

    private static JsonFields? Body(WriteRequest request, FieldErrors errors) =>
        request.Body is { } body ? JsonFields.Of(body, errors) : null;

    private static string AuditReason(WriteRequest request) =>
        request.IdempotencyKey is { } key ? $"Integration API (Idempotency-Key {key})" : "Integration API";

    private static IResult UnknownCustomer(string customer) => ApiProblems.NotFoundProblem($"No customer '{customer}'.");
}
