using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.RateLimiting;
using SelfService.Data;

namespace SelfService.Api;

public sealed class ApiOptions
{
    public const string Section = "SelfService:Api";

    /// <summary>Requests per API key per <see cref="RateWindowSeconds"/>.</summary>
    public int RatePermits { get; set; } = 600;

    public int RateWindowSeconds { get; set; } = 60;

    /// <summary>Requests without a valid API key per client address per <see cref="RateWindowSeconds"/>: guessing keys is slow.</summary>
    public int FailedAuthenticationPermits { get; set; } = 30;

    public static IEnumerable<SettingProblem> Check(ApiOptions o) =>
        Settings.Range(nameof(RatePermits), o.RatePermits, 1)
            .Concat(Settings.Range(nameof(RateWindowSeconds), o.RateWindowSeconds, 1, 86_400))
            .Concat(Settings.Range(nameof(FailedAuthenticationPermits), o.FailedAuthenticationPermits, 1));
}

public static class ApiSetup
{
    public const string RateLimitPolicy = "per-api-key";

    /// <summary>The policy name requiring an API key with <paramref name="scope"/>.</summary>
    public static string Scope(string scope) => "scope:" + scope;

    /// <summary>The API keys machines use, and the store the staff pages and the demo create them with (web and worker mode).</summary>
    public static WebApplicationBuilder AddApiKeys(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ApiKeyStore>();
        return builder;
    }

    /// <summary>API-key authentication with its scopes and the per-key rate limit (web mode).</summary>
    public static WebApplicationBuilder AddApi(this WebApplicationBuilder builder)
    {
        var options = builder.AddCheckedOptions<ApiOptions>(ApiOptions.Section, ApiOptions.Check);
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        var authorization = builder.Services.AddAuthorizationBuilder();
        foreach (var scope in ApiScopes.All)
        {
            authorization.AddPolicy(Scope(scope), p => p
                .AddAuthenticationSchemes(ApiKeyAuthentication.SchemeName)
                .RequireAuthenticatedUser()
                .RequireClaim(ApiKeyAuthentication.ScopeClaim, scope));
        }

        builder.Services.AddRateLimiter(o =>
        {
            o.AddPolicy(RateLimitPolicy, http =>
            {
                // The API key was authenticated before the limiter ran (AuthenticateApiKeys), so however the header is
                // spelt ("bearer", "BEARER", extra spaces) one key is one partition. Requests without a valid key share
                // one partition per client address, with a smaller allowance.
                if (http.User.FindFirst(ApiKeyAuthentication.KeyIdClaim)?.Value is { } keyId)
                    return RateLimitPartition.GetFixedWindowLimiter("key:" + keyId, _ => Window(options.RatePermits, options.RateWindowSeconds));
                var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return RateLimitPartition.GetFixedWindowLimiter("unauthenticated:" + address, _ => Window(options.FailedAuthenticationPermits, options.RateWindowSeconds));
            });
            o.OnRejected = async (context, ct) =>
            {
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(options.RateWindowSeconds);
                context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                var seconds = (int)Math.Ceiling(retry.TotalSeconds);
                var authenticated = context.HttpContext.User.HasClaim(c => c.Type == ApiKeyAuthentication.KeyIdClaim);
                var http = context.HttpContext;
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("SelfService.Api.RateLimit").LogWarning(
                    "Rate limited {Who} on {Path}; retry after {Seconds} s; trace {TraceId}",
                    authenticated ? $"API key {http.User.FindFirst(ApiKeyAuthentication.KeyIdClaim)!.Value}" : $"unauthenticated {http.Connection.RemoteIpAddress}",
                    http.Request.Path.Value, seconds, ApiProblems.Reference(http));
                await ApiProblems.WriteAsync(http, StatusCodes.Status429TooManyRequests, ApiProblems.RateLimited,
                    authenticated ? "Too many requests for this API key." : "Too many requests without a valid API key from this address.",
                    authenticated
                        ? $"Each API key may make {options.RatePermits} requests per {options.RateWindowSeconds} s ({ApiOptions.Section}:RatePermits, :RateWindowSeconds). Retry after {seconds} s."
                        : $"Each client address may make {options.FailedAuthenticationPermits} requests without a valid API key per {options.RateWindowSeconds} s ({ApiOptions.Section}:FailedAuthenticationPermits). Retry after {seconds} s.");
            };
        });
        return builder;
    }

    private static FixedWindowRateLimiterOptions Window(int permits, int seconds) =>
        new() { PermitLimit = permits, Window = TimeSpan.FromSeconds(seconds), QueueLimit = 0 };

    /// <summary>
    /// Authenticates the API key of an <c>/api</c> request before the rate limiter partitions it. The authorization policies
    /// authenticate the same scheme again later in the request, and get this result from the handler without a second lookup.
    /// </summary>
    public static Task AuthenticateApiKeys(HttpContext http, Func<Task> next) => ApiProblems.IsApi(http) ? Authenticated(http, next) : next();

    private static async Task Authenticated(HttpContext http, Func<Task> next)
    {
        var result = await http.AuthenticateAsync(ApiKeyAuthentication.SchemeName);
        if (result.Succeeded) http.User = result.Principal;
        await next();
    }

    /// <summary>The <c>/api/v1</c> group: API-key authentication, per-key rate limit, problem+json errors.</summary>
    public static RouteGroupBuilder MapApiV1(this WebApplication app) =>
        app.MapGroup("/api/v1").RequireRateLimiting(RateLimitPolicy).DisableAntiforgery();
}
