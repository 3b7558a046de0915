using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace SelfService.Api;

/// <summary>
/// Every API error is <c>application/problem+json</c> with a stable <c>type</c> per kind of error, so clients
/// can branch on it. Validation problems name every bad field in <c>errors</c>.
/// </summary>
public static class ApiProblems
{
    public const string TypeBase = "https://selfservice.example/problems/";
    public const string Validation = TypeBase + "validation";
    public const string MalformedJson = TypeBase + "malformed-json";
    public const string NotFound = TypeBase + "not-found";
    public const string Unauthorized = TypeBase + "unauthorized";
    public const string Forbidden = TypeBase + "forbidden";
    public const string TooLarge = TypeBase + "payload-too-large";
    public const string RateLimited = TypeBase + "rate-limited";
    public const string Conflict = TypeBase + "conflict";
    public const string IdempotencyMismatch = TypeBase + "idempotency-key-reused";

    public static ProblemHttpResult Problem(int status, string type, string title, string? detail = null, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail, Extensions = extensions ?? new Dictionary<string, object?>() });

    /// <summary>400 naming every bad field: <c>errors</c> maps a field (e.g. <c>events[3].quantity</c>) to its reasons.</summary>
    public static ProblemHttpResult ValidationFailed(IDictionary<string, string[]> errors, string? detail = null) =>
        Problem(StatusCodes.Status400BadRequest, Validation, "The request has invalid fields.", detail ?? $"{errors.Count} field(s) are invalid.",
            new Dictionary<string, object?> { ["errors"] = errors });

    public static ProblemHttpResult NotFoundProblem(string what) =>
        Problem(StatusCodes.Status404NotFound, NotFound, "Not found.", what);

    public const string MethodNotAllowed = TypeBase + "method-not-allowed";
    public const string UnsupportedMediaType = TypeBase + "unsupported-media-type";
    public const string ServerError = TypeBase + "server-error";

    /// <summary>Requests to the machine API, whose every answer is problem+json when it is not a success.</summary>
    public static bool IsApi(HttpContext http) => http.Request.Path.StartsWithSegments("/api");

    /// <summary>A status the framework set without a body (no route 404, wrong method 405, media type 415, body size 413) as problem+json.</summary>
    public static Task WriteStatusAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        var (type, title, detail) = status switch
        {
            StatusCodes.Status404NotFound => (NotFound, "Not found.", $"No API operation at {http.Request.Path}; see /openapi/v1.json."),
            StatusCodes.Status405MethodNotAllowed => (MethodNotAllowed, "Method not allowed.",
                $"{http.Request.Method} is not an operation of {http.Request.Path}; it takes {AllowOf(http)}."),
            StatusCodes.Status415UnsupportedMediaType => (UnsupportedMediaType, "The body must be JSON.", "Send Content-Type: application/json."),
            StatusCodes.Status413PayloadTooLarge => (TooLarge, "The body is too large.", null),
            StatusCodes.Status401Unauthorized => (Unauthorized, "A valid API key is required.", null),
            StatusCodes.Status403Forbidden => (Forbidden, "Not allowed.", null),
            _ => ($"{TypeBase}http-{status}", ReasonPhrases.GetReasonPhrase(status), null),
        };
        return WriteAsync(http, status, type, title, detail);
    }

    private static string AllowOf(HttpContext http)
    {
        // Routing's 405 lists what the path takes in Allow; HEAD is answered like any other method a path does not take.
        var allow = http.Response.Headers.Allow.ToString();
        return allow.Length == 0 ? "other methods" : allow;
    }

    /// <summary>An unhandled exception in the API: 500 problem+json with the trace id that the error log line carries too.</summary>
    public static Task WriteServerErrorAsync(HttpContext http)
    {
        var reference = Reference(http);
        var error = http.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error;
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("SelfService.Api")
            .LogError(error, "Unhandled exception answering {Method} {Path}; reference {TraceId}", http.Request.Method, http.Request.Path.Value, reference);
        return http.Response.WriteAsJsonAsync(new ProblemDetails
        {
            Status = StatusCodes.Status500InternalServerError, Type = ServerError, Title = "Something went wrong on our side.",
            Detail = $"Nothing was changed by this request. Quote reference {reference} when you report it.",
            Extensions = { ["traceId"] = reference },
        }, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
    }

    /// <summary>The reference a person quotes for a failed request: its W3C trace id, also in the log line.</summary>
    public static string Reference(HttpContext http) => System.Diagnostics.Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;

    /// <summary>Writes a problem outside an endpoint (authentication, rate limiting, body size).</summary>
    public static Task WriteAsync(HttpContext http, int status, string type, string title, string? detail = null)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail },
            (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
    }
}
