using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SelfService.Api;
using SelfService.Catalog;
using SelfService.Data;

namespace SelfService.Metering;

/// <summary>What a successful <c>POST /api/v1/usage</c> answers.</summary>
public sealed record UsageIngestionResponse(int Received, int Accepted, int Duplicates);

/// <summary>
/// <c>POST /api/v1/usage</c>: <c>{"events":[{"id","customer","feature","quantity","timestamp"}]}</c>. All or nothing: any
/// invalid event rejects the batch with 400 naming every bad event by index and reason; an id reused with another
/// payload rejects it with 409. Retried events count once and are reported as duplicates.
/// </summary>
public static class UsageIngestionEndpoints
{
    public const int MaxIdLength = 200;
    public const string UnsupportedMediaType = ApiProblems.TypeBase + "unsupported-media-type";
    public const string Unavailable = ApiProblems.TypeBase + "temporarily-unavailable";

    public static RouteGroupBuilder MapUsageIngestion(this RouteGroupBuilder api)
    {
        api.MapPost("/usage", Ingest)
            .RequireAuthorization(ApiSetup.Scope(ApiScopes.UsageWrite))
            .WithName("IngestUsage").WithTags(Tag)
            .WithSummary("Report usage events: a batch of up to 1,000, all or nothing")
            .WithDescription("""
                Each event counts once per (customer, `id`): a retried event is answered as a duplicate, an `id` reused with another
                payload rejects the batch (409). Any invalid event rejects the whole batch (400) with `errors` naming each bad field by
                index (`events[3].quantity`); nothing from a rejected batch is stored. `timestamp` must lie within the lateness window
                (7 days by default) and at most 5 minutes ahead. `quantity` is an exact decimal from 0 to 10^18 with at most 6 decimal places
                (`0.000001` to `1000000000000000000`); a quantity outside that is refused (400 naming the event), never rounded.
                `country` (optional, ISO 3166-1 alpha-2) says where the use happened: an event for a feature the customer is not allowed
                in that country (as the check for that country answers now: `region-not-allowed` or `embargoed`) is invalid
                (`events[i].country`), unless `SelfService:Metering:AcceptUsageOutsideRegions` is true.
                """)
            .Produces<UsageIngestionResponse>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(409).ProducesProblem(413)
            .ProducesProblem(415).ProducesProblem(429).ProducesProblem(503)
            // The handler reads the body itself (to name every bad event): the schema is declared, not bound, as for the
            // provisioning writes; its example comes from Api/ApiExamples with every other operation's.
            .Accepts<UsageBatch>("application/json");
        return api;
    }

    public const string Tag = "Usage";

    /// <param name="Events">Up to 1,000 events.</param>
    public sealed record UsageBatch(IReadOnlyList<UsageEventBody> Events);

    /// <param name="Id">Unique per customer (case-sensitive, at most 200 characters): a retry with the same id counts once.</param>
    /// <param name="Customer">The customer's external key, such as <c>acme</c>.</param>
    /// <param name="Feature">The handle of a Limit or Metered feature, such as <c>api-calls</c>.</param>
    /// <param name="Quantity">How much was used (Sum), the peak (Max) or the current value (Latest): an exact decimal from 0 to 10^18 with at most 6 decimal places; anything else is refused, never rounded.</param>
    /// <param name="Timestamp">When it happened: ISO 8601 with an offset, within the lateness window.</param>
    /// <param name="Country">Where it happened (optional): an ISO 3166-1 alpha-2 code; the feature must be allowed there.</param>
    public sealed record UsageEventBody(string Id, string Customer, string Feature, decimal Quantity, DateTimeOffset Timestamp, string? Country);

    internal static async Task<IResult> Ingest(HttpContext http, UsageIngestion ingestion, MeteringLookup lookup,
        TimeProvider clock, IOptions<MeteringOptions> options, SelfService.Entitlements.EntitlementService entitlements, CancellationToken ct)
    {
        var o = options.Value;
        var contentType = http.Request.ContentType;
        if (!string.IsNullOrEmpty(contentType) && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
            return ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, UnsupportedMediaType,
                "The body must be JSON.", $"Send Content-Type: application/json, not {contentType}.");
        if (http.Request.ContentLength > o.MaxRequestBytes) return TooLarge(o);

        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, o.MaxRequestBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await http.Request.Body.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, o.MaxRequestBytes + 1) - length), ct);
                if (read == 0) break;
                length += read;
                if (length > o.MaxRequestBytes) return TooLarge(o);
            }

            var (document, problem) = JsonBody.Parse(buffer.AsMemory(0, length), maxDepth: 16);
            if (problem is not null) return problem;
            using (document)
            {
                return await IngestDocument(http, document!.RootElement, ingestion, lookup, entitlements, clock.GetUtcNow().UtcDateTime, o, ct);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ProblemHttpResult TooLarge(MeteringOptions o) =>
        ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, ApiProblems.TooLarge, "The batch is too large.",
            $"Send at most {o.MaxEventsPerRequest:N0} events and {o.MaxRequestBytes:N0} bytes per request.");

    private sealed record Parsed(string? Id, string? Customer, string? Feature, decimal Quantity, DateTime OccurredAt)
    {
        public string? Country { get; init; }
    }

    private static async Task<IResult> IngestDocument(HttpContext http, JsonElement root, UsageIngestion ingestion, MeteringLookup lookup,
        SelfService.Entitlements.EntitlementService entitlements, DateTime now, MeteringOptions o, CancellationToken ct)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array)
            return ApiProblems.ValidationFailed(new Dictionary<string, string[]>
            {
                ["events"] = ["is required: the body is {\"events\": [ ... ]}, an array of usage events."],
            });
        var count = events.GetArrayLength();
        if (count > o.MaxEventsPerRequest) return TooLarge(o);
        if (count == 0)
            return ApiProblems.ValidationFailed(new Dictionary<string, string[]> { ["events"] = ["must hold at least one event."] });

        var errors = new Dictionary<string, string[]>();
        var parsed = new Parsed[count];
        var index = 0;
        foreach (var e in events.EnumerateArray())
        {
            parsed[index] = ParseEvent(e, index, errors, now, o);
            index++;
        }

        var (customers, features) = await lookup.ResolveAsync(
            parsed.Where(p => p.Customer is not null).Select(p => p.Customer!),
            parsed.Where(p => p.Feature is not null).Select(p => p.Feature!), ct);
        var seats = await lookup.AssignedSeatHandlesAsync(ct);
        var rows = new UsageEventRow[count];
        for (var i = 0; i < count; i++)
        {
            var p = parsed[i];
            long customerId = 0;
            if (p.Customer is not null && !customers.TryGetValue(p.Customer, out customerId))
                Add(errors, $"events[{i}].customer", $"'{Shorten(p.Customer)}' is not a known customer key.");
            MeteredFeatureRef? feature = null;
            if (p.Feature is not null)
            {
                if (!features.TryGetValue(p.Feature, out feature))
                    Add(errors, $"events[{i}].feature", $"'{Shorten(p.Feature)}' is not a known feature handle.");
                else if (feature.Kind == FeatureKind.Boolean)
                    Add(errors, $"events[{i}].feature", $"'{p.Feature}' is a Boolean feature (access or not); usage is reported for Limit and Metered features only.");
                else if (seats.Contains(p.Feature))
                    Add(errors, $"events[{i}].feature", $"'{p.Feature}' is held as assigned seats: its usage is the number of seats the customer's Owners and Admins assign on the team page, so it is not reported.");
            }
            if (feature is not null) rows[i] = new UsageEventRow(p.Id!, customerId, feature.Id, p.Quantity, p.OccurredAt, p.Country);
        }
        if (!o.AcceptUsageOutsideRegions) await CheckRegionsAsync(parsed, entitlements, now, errors, ct);

        if (errors.Count > 0)
        {
            var bad = errors.Keys.Select(k => k.Split(']')[0]).Distinct().Count();
            return ApiProblems.ValidationFailed(errors, $"{bad} of {count} event(s) are invalid; nothing from this batch was stored.");
        }

        IngestionResult result;
        try
        {
            result = await ingestion.StoreAsync(rows, ct);
        }
        catch (IngestionTooSlowException e)
        {
            http.Response.Headers.RetryAfter = "1";
            return ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, Unavailable, "The batch was not stored; send it again.", e.Message);
        }
        if (result.Conflicts.Count > 0)
        {
            var conflictErrors = result.Conflicts.ToDictionary(c => $"events[{c.Index}].id", c => new[] { c.Reason });
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ApiProblems.Conflict, "Some event ids were already used with another payload.",
                $"{result.Conflicts.Count} event(s) conflict; nothing from this batch was stored.",
                new Dictionary<string, object?> { ["errors"] = conflictErrors });
        }
        return TypedResults.Ok(new UsageIngestionResponse(count, result.Accepted, result.Duplicates));
    }

    /// <summary>
    /// Refuses each event whose feature the customer is not allowed in the event's country, as the check for that country
    /// answers now (one entitlement read per customer and country of the batch, from memory while nothing changed).
    /// </summary>
    private static async Task CheckRegionsAsync(Parsed[] parsed, SelfService.Entitlements.EntitlementService entitlements, DateTime now,
        Dictionary<string, string[]> errors, CancellationToken ct)
    {
        var asked = new Dictionary<(string Customer, string Country), SelfService.Entitlements.AccountEntitlements?>();
        for (var i = 0; i < parsed.Length; i++)
        {
            if (parsed[i] is not { Country: { } country, Customer: { } customer, Feature: { } feature }) continue;
            if (!asked.TryGetValue((customer, country), out var account))
                asked[(customer, country)] = account =
                    await entitlements.ForCustomerAsync(customer, now, ct, SelfService.Entitlements.Where.In(country));
            var denial = account?.For(feature)?.RegionDenial ?? SelfService.Entitlements.RegionDenial.None;
            if (denial == SelfService.Entitlements.RegionDenial.Embargoed)
                Add(errors, $"events[{i}].country", $"{country} is on the embargo list: '{feature}' is not granted there.");
            else if (denial == SelfService.Entitlements.RegionDenial.RegionNotAllowed)
                Add(errors, $"events[{i}].country", $"'{feature}' is not allowed in {country} for '{customer}' (region-not-allowed).");
        }
    }

    private static Parsed ParseEvent(JsonElement e, int i, Dictionary<string, string[]> errors, DateTime now, MeteringOptions o)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            Add(errors, $"events[{i}]", "must be an object with id, customer, feature, quantity and timestamp.");
            return new Parsed(null, null, null, 0, default);
        }

        string? id = null;
        if (!e.TryGetProperty("id", out var idElement) || idElement.ValueKind == JsonValueKind.Null)
            Add(errors, $"events[{i}].id", "is required.");
        else if (idElement.ValueKind != JsonValueKind.String)
            Add(errors, $"events[{i}].id", "must be a string.");
        else if ((id = idElement.GetString()!).Trim().Length == 0)
            Add(errors, $"events[{i}].id", "is required.");
        else if (id.Length > MaxIdLength)
            Add(errors, $"events[{i}].id", $"must be at most {MaxIdLength} characters (it has {id.Length}).");
        else if (JsonBody.HasControlCharacters(id))
            Add(errors, $"events[{i}].id", "must not contain control characters.");

        var customer = RequiredString(e, "customer", i, errors);
        var feature = RequiredString(e, "feature", i, errors);

        decimal quantity = 0;
        if (!e.TryGetProperty("quantity", out var q) || q.ValueKind == JsonValueKind.Null)
            Add(errors, $"events[{i}].quantity", "is required.");
        else if (q.ValueKind == JsonValueKind.Number)
        {
            // Read from the JSON text itself, so that nothing is rounded on the way (a double, or decimal's own parse, would).
            if (Quantities.ParseExact(q.GetRawText()) is not { } exact)
                Add(errors, $"events[{i}].quantity", "is not a number.");
            else if (exact.Error is { } reason)
                Add(errors, $"events[{i}].quantity", $"{q.GetRawText()} {reason}");
            else quantity = exact.Value;
        }
        else if (q.ValueKind == JsonValueKind.String && q.GetString() is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var special)
                 && !double.IsFinite(special))
            Add(errors, $"events[{i}].quantity", double.IsNaN(special) ? "is NaN; it must be a finite number." : "is infinite; it must be a finite number.");
        else
            Add(errors, $"events[{i}].quantity", "is not a number.");

        DateTime occurredAt = default;
        if (!e.TryGetProperty("timestamp", out var t) || t.ValueKind == JsonValueKind.Null)
            Add(errors, $"events[{i}].timestamp", "is required.");
        else if (t.ValueKind != JsonValueKind.String || !HasOffset(t.GetString()!) || !t.TryGetDateTimeOffset(out var instant))
            Add(errors, $"events[{i}].timestamp", "must be an ISO-8601 date and time with an offset, e.g. 2026-11-20T10:30:00Z.");
        else
        {
            // Stored to the microsecond on every database (PostgreSQL's precision): a retry then matches what was stored.
            occurredAt = DapperSetup.Microseconds(instant.UtcDateTime);
            if (occurredAt < now - o.LatenessWindow)
                Add(errors, $"events[{i}].timestamp", $"is older than the lateness window of {Describe(o.LatenessWindow)}: events must arrive within {Describe(o.LatenessWindow)}.");
            else if (occurredAt > now + o.FutureTolerance)
                Add(errors, $"events[{i}].timestamp", $"is more than {Describe(o.FutureTolerance)} in the future.");
        }
        string? country = null;
        if (e.TryGetProperty("country", out var c) && c.ValueKind != JsonValueKind.Null)
        {
            if (c.ValueKind != JsonValueKind.String) Add(errors, $"events[{i}].country", "must be a string: an ISO 3166-1 alpha-2 country code.");
            else if ((country = Countries.Normalize(c.GetString(), out var why)) is null) Add(errors, $"events[{i}].country", why!);
        }
        return new Parsed(id, customer, feature, quantity, occurredAt) { Country = country };
    }

    private static string? RequiredString(JsonElement e, string name, int i, Dictionary<string, string[]> errors)
    {
        if (!e.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            Add(errors, $"events[{i}].{name}", "is required.");
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            Add(errors, $"events[{i}].{name}", "must be a string.");
            return null;
        }
        var s = value.GetString()!;
        if (s.Length == 0) Add(errors, $"events[{i}].{name}", "is required.");
        else if (JsonBody.HasControlCharacters(s)) { Add(errors, $"events[{i}].{name}", "must not contain control characters."); return null; }
        return s.Length == 0 ? null : s;
    }

    private static bool HasOffset(string s) =>
        s.Length > 10 && (s[^1] is 'Z' or 'z' || (s.Length > 6 && s[^6] is '+' or '-' && s[^3] == ':'));

    private static void Add(Dictionary<string, string[]> errors, string key, string message) =>
        errors[key] = errors.TryGetValue(key, out var existing) ? [.. existing, message] : [message];

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..60] + "…";

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays) ? $"{span.TotalDays:0} day{(span.TotalDays == 1 ? "" : "s")}"
        : span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours) ? $"{span.TotalHours:0} hour{(span.TotalHours == 1 ? "" : "s")}"
        : $"{span.TotalMinutes:0.#} minute{(span.TotalMinutes == 1 ? "" : "s")}";
}
