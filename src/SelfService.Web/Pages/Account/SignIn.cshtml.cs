using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Accounts;
using SelfService.Identity;

namespace SelfService.Pages.Account;

public sealed class SignInModel(UserStore users, AttemptThrottle throttle, SessionStore sessions, TimeProvider clock) : PageModel
{
    [BindProperty, Required(ErrorMessage = "Enter your email address."), EmailAddress(ErrorMessage = "Enter an email address like name@example.com.")]
    public string Email { get; set; } = "";

    [BindProperty, Required(ErrorMessage = "Enter your password."), DataType(DataType.Password)]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>What brought the person here, said above the form (a password just reset, a session ended).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Notice { get; set; }

    public string? NoticeText => Notice switch
    {
        "password-reset" => "Your password was changed and every browser signed in to your account was signed out. Sign in with the new password.",
        "left" => "You left the account and were signed out everywhere.",
        _ => null,
    };

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!ModelState.IsValid) return Page();

        var address = HttpContext.Connection.RemoteIpAddress?.ToString();
        if (await throttle.RetryAfterAsync(ThrottledForms.SignIn, Email, address, ct) is { } wait)
        {
            AttemptThrottle.TooMany(Response, wait);
            ModelState.AddModelError("", $"Too many failed sign-ins for this account from your network. Try again in {AttemptThrottle.Describe(wait)}, or reset your password.");
            return Page();
        }

        var user = await users.VerifyAsync(Email, Password, ct);
        if (user is null)
        {
            await throttle.FailedAsync(ThrottledForms.SignIn, Email, address, ct);
            ModelState.AddModelError("", "That email and password do not match an account.");
            return Page();
        }
        await throttle.SucceededAsync(ThrottledForms.SignIn, Email, address, ct);

        // A new session at every sign-in: end whatever session came in, then issue a fresh one.
        if (User.FindFirst(SelfServiceClaims.Session)?.Value is { } old) await sessions.EndAsync(old, SessionEndReasons.SignedOut, ct);
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        await SignInAsync(HttpContext, user, sessions, clock, ct);

        if (!string.IsNullOrEmpty(ReturnUrl) && Url.IsLocalUrl(ReturnUrl)) return LocalRedirect(ReturnUrl);
        return user.CustomerKey is { } key ? Redirect($"/customers/{key}") : Redirect("/");
    }

    /// <summary>Starts a server-side session for <paramref name="user"/> and gives this browser its cookie.</summary>
    internal static async Task SignInAsync(HttpContext http, AppUser user, SessionStore sessions, TimeProvider clock, CancellationToken ct)
    {
        var token = await sessions.StartAsync(user.Id, http.Connection.RemoteIpAddress?.ToString(), ct);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            IdentitySetup.Principal(user, clock.GetUtcNow(), token),
            new AuthenticationProperties { IsPersistent = false, AllowRefresh = true });
    }
}
