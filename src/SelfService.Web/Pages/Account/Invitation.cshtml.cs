using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Accounts;
using SelfService.Identity;

namespace SelfService.Pages.Account;

public sealed class InvitationModel(Team team, SessionStore sessions, AttemptThrottle throttle, TimeProvider clock) : PageModel
{
    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public Team.InvitationLink Link { get; private set; } = new(Team.InvitationState.Unknown);

    public bool AskedAgain { get; private set; }

    public async Task<IActionResult> OnGetAsync(string token, CancellationToken ct)
    {
        if (await Throttled(ct)) return Page();
        Link = await team.FindAsync(token, ct);
        Name = Link.Name;
        await CountUnknown(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string token, CancellationToken ct)
    {
        if (await Throttled(ct)) return Page();
        var (user, state, refusal) = await team.AcceptAsync(token, Name, Password, ct);
        Link = await team.FindAsync(token, ct);
        await CountUnknown(ct);
        if (user is null)
        {
            if (refusal is not null) ModelState.AddModelError(refusal.Field, refusal.Message);
            Link = Link with { State = state };
            return Page();
        }
        // Whoever was signed in in this browser is signed out; the new person is signed in.
        if (User.FindFirst(SelfServiceClaims.Session)?.Value is { } old) await sessions.EndAsync(old, SessionEndReasons.SignedOut, ct);
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        await SignInModel.SignInAsync(HttpContext, user, sessions, clock, ct);
        return Redirect($"/customers/{user.CustomerKey}");
    }

    public async Task<IActionResult> OnPostAskAgainAsync(string token, CancellationToken ct)
    {
        if (await Throttled(ct)) return Page();
        AskedAgain = await team.AskForNewInvitationAsync(token, ct);
        Link = await team.FindAsync(token, ct);
        await CountUnknown(ct);
        return Page();
    }

    private async Task<bool> Throttled(CancellationToken ct)
    {
        if (await throttle.RetryAfterAsync(ThrottledForms.Invitation, "link", HttpContext.Connection.RemoteIpAddress?.ToString(), ct) is not { } wait) return false;
        AttemptThrottle.TooMany(Response, wait);
        ModelState.AddModelError("", $"Too many unknown invitation links from your network. Try again in {AttemptThrottle.Describe(wait)}.");
        return true;
    }

    // Guessing tokens is hopeless (256 bits), but an address that keeps trying unknown ones is slowed all the same.
    private async Task CountUnknown(CancellationToken ct)
    {
        if (Link.State == Team.InvitationState.Unknown)
            await throttle.FailedAsync(ThrottledForms.Invitation, "link", HttpContext.Connection.RemoteIpAddress?.ToString(), ct);
    }
}
