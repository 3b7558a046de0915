using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Accounts;
using SelfService.Identity;

namespace SelfService.Pages.Account;

[AllowAnonymous]
public sealed class SignOutModel(SessionStore sessions) : PageModel
{
    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        // End the row, not just the cookie: a copy of the cookie saved before now opens nothing.
        if (User.FindFirst(SelfServiceClaims.Session)?.Value is { } token)
            await sessions.EndAsync(token, SessionEndReasons.SignedOut, ct);
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Redirect("/account/sign-in");
    }
}
