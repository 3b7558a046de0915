using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.RateLimiting;

namespace SelfService.Api;

public sealed class ApiOptions
{
    public const string Section = "SelfService:Api";

    /// <summary>Requests per key per <see cref="RateWindowSeconds"/>.</summary>
    public int RatePermits { get; set; } = 600;

    public int RateWindowSeconds { get; set; } = 60;
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
        var options = builder.Configuration.GetSection(ApiOptions.Section).Get<ApiOptions>() ?? new ApiOptions();
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
                // Partition by the presented key: authentication has not run yet for endpoint policies' partitions,
                // so the bearer token itself (or the remote address without one) is the partition key.
                var key = http.Request.Headers.Authorization.ToString();
                if (string.IsNullOrEmpty(key)) key = http.Connection.RemoteIpAddress?.ToString() ?? "anonymous";
                return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.RatePermits,
                    Window = TimeSpan.FromSeconds(options.RateWindowSeconds),
                    QueueLimit = 0,
                });
            });
            o.OnRejected = async (context, ct) =>
            {
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(options.RateWindowSeconds);
                context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await ApiProblems.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, ApiProblems.RateLimited,
                    "Too many requests for this API key.", $"Retry after {(int)Math.Ceiling(retry.TotalSeconds)} seconds.");
            };
        });
        return builder;
    }

    /// <summary>The <c>/api/v1</c> group: API-key authentication, per-key rate limit, problem+json errors.</summary>
    public static RouteGroupBuilder MapApiV1(this WebApplication app) =>
        app.MapGroup("/api/v1").RequireRateLimiting(RateLimitPolicy).DisableAntiforgery();
}
