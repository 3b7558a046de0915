using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using SelfService.Identity;

namespace SelfService.Accounts;

public static class SessionCookie
{
    /// <summary>Makes the sign-in cookie (Identity's <c>AddSignIn</c>) answer to its session row on every request.</summary>
    public static IServiceCollection AddSessionCookieCheck(this IServiceCollection services) =>
        services.PostConfigure<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme,
            o => o.Events.OnValidatePrincipal = RejectEndedSessions);

    // The cookie is only a pointer to a session row: a row ended anywhere (sign-out, removal, role change, new password,
    // a timeout) ends the session here at the next request. The cookie's own sliding expiry still ends an idle browser.
    internal static async Task RejectEndedSessions(CookieValidatePrincipalContext context)
    {
        var sessions = context.HttpContext.RequestServices.GetRequiredService<SessionStore>();
        var token = context.Principal?.FindFirstValue(SelfServiceClaims.Session);
        var id = context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        if (token is null || !long.TryParse(id, CultureInfo.InvariantCulture, out var userId)
            || !await sessions.ValidateAsync(token, userId, context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }
}
