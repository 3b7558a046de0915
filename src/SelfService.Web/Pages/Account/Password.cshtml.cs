using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Accounts;
using SelfService.Identity;

namespace SelfService.Pages.Account;

public sealed class PasswordModel(Passwords passwords) : PageModel
{
    [BindProperty, Required(ErrorMessage = "Enter your current password."), DataType(DataType.Password)]
    public string CurrentPassword { get; set; } = "";

    [BindProperty, Required(ErrorMessage = "Enter a new password."), DataType(DataType.Password)]
    public string NewPassword { get; set; } = "";

    public bool Changed { get; private set; }

    public void OnGet(bool changed = false) => Changed = changed;

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!ModelState.IsValid) return Page();
        var session = User.FindFirst(SelfServiceClaims.Session)!.Value;
        if (await passwords.ChangeAsync(User.UserId(), session, CurrentPassword, NewPassword, ct) is { } problem)
        {
            ModelState.AddModelError(problem.Field, problem.Message);
            return Page();
        }
        // Post/redirect/get: a reload does not post the passwords again.
        return RedirectToPage(new { changed = true });
    }
}
