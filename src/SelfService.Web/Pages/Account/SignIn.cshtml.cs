using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Identity;

namespace SelfService.Pages.Account;

public sealed class SignInModel(UserStore users, SignInThrottle throttle, TimeProvider clock) : PageModel
{
    [BindProperty, Required(ErrorMessage = "Enter your email address."), EmailAddress(ErrorMessage = "Enter an email address like name@example.com.")]
    public string Email { get; set; } = "";

    [BindProperty, Required(ErrorMessage = "Enter your password."), DataType(DataType.Password)]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!ModelState.IsValid) return Page();

        var address = HttpContext.Connection.RemoteIpAddress?.ToString();
        if (throttle.RetryAfter(Email, address) is { } wait)
        {
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            ModelState.AddModelError("", $"Too many failed sign-ins. Try again in {Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes))} minutes.");
            return Page();
        }

        var user = await users.VerifyAsync(Email, Password, ct);
        if (user is null)
        {
            throttle.Failed(Email, address);
            ModelState.AddModelError("", "That email and password do not match an account.");
            return Page();
        }
        throttle.Succeeded(Email);

        // A new session at every sign-in: drop whatever cookie came in, then issue a fresh one.
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            IdentitySetup.Principal(user, clock.GetUtcNow()),
            new AuthenticationProperties { IsPersistent = false, AllowRefresh = true });

        if (!string.IsNullOrEmpty(ReturnUrl) && Url.IsLocalUrl(ReturnUrl)) return LocalRedirect(ReturnUrl);
        return user.CustomerKey is { } key ? Redirect($"/customers/{key}") : Redirect("/");
    }
}
