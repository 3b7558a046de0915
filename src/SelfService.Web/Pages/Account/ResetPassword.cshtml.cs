using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Accounts;

namespace SelfService.Pages.Account;

public sealed class ResetPasswordModel(Passwords passwords, AttemptThrottle throttle) : PageModel
{
    [BindProperty]
    public string? NewPassword { get; set; }

    public ResetLink Link { get; private set; } = new(LinkState.Unknown);

    public async Task<IActionResult> OnGetAsync(string token, CancellationToken ct)
    {
        if (await Throttled(ct)) return Page();
        Link = await passwords.FindResetAsync(token, ct);
        await CountUnknown(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string token, CancellationToken ct)
    {
        if (await Throttled(ct)) return Page();
        Link = await passwords.FindResetAsync(token, ct);
        if (Link.State != LinkState.Valid)
        {
            await CountUnknown(ct);
            return Page();
        }
        var (state, problem) = await passwords.ResetAsync(token, NewPassword ?? "", ct);
        if (state != LinkState.Valid)
        {
            Link = Link with { State = state };
            return Page();
        }
        if (problem is not null)
        {
            ModelState.AddModelError(nameof(NewPassword), problem);
            return Page();
        }
        return Redirect("/account/sign-in?notice=password-reset");
    }

    private async Task<bool> Throttled(CancellationToken ct)
    {
        if (await throttle.RetryAfterAsync(ThrottledForms.ResetLink, "link", HttpContext.Connection.RemoteIpAddress?.ToString(), ct) is not { } wait) return false;
        AttemptThrottle.TooMany(Response, wait);
        Link = new ResetLink(LinkState.Unknown);
        ModelState.AddModelError("", $"Too many unknown links from your network. Try again in {AttemptThrottle.Describe(wait)}.");
        return true;
    }

    // Guessing tokens is hopeless (256 bits), but an address that keeps trying unknown ones is slowed all the same.
    private async Task CountUnknown(CancellationToken ct)
    {
        if (Link.State == LinkState.Unknown)
            await throttle.FailedAsync(ThrottledForms.ResetLink, "link", HttpContext.Connection.RemoteIpAddress?.ToString(), ct);
    }
}
