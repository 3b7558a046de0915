using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Mail;

namespace SelfService.Pages;

/// <summary>
/// The one-click unsubscribe of one kind of mail, from the link every such mail carries: opening it asks once, and a
/// mail client's one-click POST (RFC 8058, <c>List-Unsubscribe-Post</c>) unsubscribes at once. The token is the proof,
/// so it works signed out; it carries no antiforgery token, which a mail client cannot send.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class UnsubscribeModel(MailChoices choices) : PageModel
{
    public string? KindLabel { get; private set; }
    public bool Done { get; private set; }

    public IActionResult OnGet(string token)
    {
        if (choices.Read(token) is not { } found) return NotFound();
        KindLabel = MailChoices.Kinds[found.Kind];
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string token, CancellationToken ct)
    {
        if (choices.Read(token) is not { } found) return NotFound();
        await choices.SetAsync(found.UserId, found.Kind, enabled: false, ct);
        KindLabel = MailChoices.Kinds[found.Kind];
        Done = true;
        return Page();
    }
}
