using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

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

    /// <summary>Writes a problem outside an endpoint (authentication, rate limiting, body size).</summary>
    public static Task WriteAsync(HttpContext http, int status, string type, string title, string? detail = null)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail },
            (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
    }
}
