using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace SelfService.Api;

/// <summary><c>Authorization: Bearer ss_…</c> for the vendor's apps. Failures answer problem+json.</summary>
public sealed class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string ScopeClaim = "scope";
    public const string KeyIdClaim = "api_key_id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header)) return AuthenticateResult.NoResult();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return Failed("Not a bearer token.");
        var key = await keys.VerifyAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (key is null) return Failed("Unknown or revoked API key.");

        var claims = new List<Claim>
        {
            new(KeyIdClaim, key.Id.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, $"api-key:{key.Name}"),
        };
        claims.AddRange(key.ScopeList.Select(s => new Claim(ScopeClaim, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    private AuthenticateResult Failed(string reason)
    {
        Logger.LogWarning("API key refused from {ClientAddress} on {Path}: {Reason}; trace {TraceId}",
            Context.Connection.RemoteIpAddress?.ToString() ?? "unknown", Request.Path.Value, reason, ApiProblems.Reference(Context));
        return AuthenticateResult.Fail(reason);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return ApiProblems.WriteAsync(Context, StatusCodes.Status401Unauthorized, ApiProblems.Unauthorized,
            "A valid API key is required.", "Send it as: Authorization: Bearer <key>.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiProblems.WriteAsync(Context, StatusCodes.Status403Forbidden, ApiProblems.Forbidden,
            "This API key lacks the scope this endpoint needs.");
}
