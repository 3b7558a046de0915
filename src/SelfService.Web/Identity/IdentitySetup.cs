using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace SelfService.Identity;

public static class IdentitySetup
{
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan AbsoluteTimeout = TimeSpan.FromHours(12);

    /// <summary>The sign-in cookie and the staff policies. Each request's session is checked against its row by Accounts (<c>AddAccounts</c>).</summary>
    public static WebApplicationBuilder AddSignIn(this WebApplicationBuilder builder)
    {
        builder.Services
            .AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = "selfservice.session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = builder.Environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
                o.LoginPath = "/account/sign-in";
                o.LogoutPath = "/account/sign-out";
                o.AccessDeniedPath = "/account/denied";
                o.ExpireTimeSpan = IdleTimeout;
                o.SlidingExpiration = true;
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.VendorStaff, p => p.RequireRole(Roles.Vendor))
            .AddPolicy(Policies.Operators, p => p.RequireRole(Roles.Operator))
            .AddPolicy(Policies.Approvers, p => p.RequireRole(Roles.Approver));
        return builder;
    }

    public static ClaimsPrincipal Principal(AppUser user, DateTimeOffset now, string sessionToken)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, user.Email),
            new(ClaimTypes.GivenName, user.DisplayName),
            new(ClaimTypes.Role, user.Role),
            new(SelfServiceClaims.SignedInAt, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
            new(SelfServiceClaims.Session, sessionToken),
        };
        if (user.CustomerKey is { } key) claims.Add(new(SelfServiceClaims.Customer, key));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme));
    }
}
