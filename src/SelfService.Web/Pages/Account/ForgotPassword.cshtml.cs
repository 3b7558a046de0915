using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Accounts;

namespace SelfService.Pages.Account;

public sealed class ForgotPasswordModel(Passwords passwords, AttemptThrottle throttle) : PageModel
{
    [BindProperty, Required(ErrorMessage = "Enter your email address."), EmailAddress(ErrorMessage = "Enter an email address like name@example.com."), StringLength(320)]
    public string Email { get; set; } = "";

    /// <summary>Set once the request is taken: the same words whether or not the address has an account.</summary>
    public string? SentTo { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!ModelState.IsValid) return Page();
        var address = HttpContext.Connection.RemoteIpAddress?.ToString();
        if (await throttle.RetryAfterAsync(ThrottledForms.ForgotPassword, Email, address, ct) is { } wait)
        {
            AttemptThrottle.TooMany(Response, wait);
            ModelState.AddModelError("", $"Too many requests from your network. Try again in {AttemptThrottle.Describe(wait)}.");
            return Page();
        }
        // Every request counts: whether the address exists cannot be told apart, so none is a "success".
        await throttle.FailedAsync(ThrottledForms.ForgotPassword, Email, address, ct);
        await passwords.RequestResetAsync(Email, ct);
        SentTo = Email.Trim();
        return Page();
    }
}
