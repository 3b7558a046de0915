using Microsoft.AspNetCore.Mvc;
using SelfService.Accounts;
using SelfService.Customers;
using SelfService.Identity;
using SelfService.Shared;

namespace SelfService.Pages.Staff.Customers;

/// <summary>A customer's people and pending invitations, seen by an Operator, who may invite anyone (a first Owner) and resend.</summary>
public sealed class PeopleModel(Team team, CustomerStore customers, TimeProvider clock) : OperatorPage
{
    public CustomerSummary Customer { get; private set; } = null!;
    public TeamView View { get; private set; } = new([], []);
    public DateTime Now { get; private set; }
    public string InviteEmail { get; private set; } = "";
    public string InviteName { get; private set; } = "";
    public string InviteRole { get; private set; } = Roles.Owner;
    public (long Id, string Message)? RowError { get; private set; }

    public string? FieldError(string field) => ModelState.TryGetValue(field, out var entry) && entry.Errors.Count > 0 ? entry.Errors[0].ErrorMessage : null;

    private async Task<bool> LoadAsync(string customer, CancellationToken ct)
    {
        if (await customers.FindAsync(customer, ct) is not { } found) return false;
        Customer = found;
        Now = clock.GetUtcNow().UtcDateTime;
        View = await team.ViewAsync(found.Id, ct);
        return true;
    }

    public async Task<IActionResult> OnGetAsync(string customer, CancellationToken ct) => await LoadAsync(customer, ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostInviteAsync(string customer, string? email, string? name, string? role, CancellationToken ct)
    {
        if (!await LoadAsync(customer, ct)) return NotFound();
        (InviteEmail, InviteName, InviteRole) = (email?.Trim() ?? "", name?.Trim() ?? "", role ?? "");
        if (InviteInput.EmailProblem(InviteEmail) is { } emailProblem) ModelState.AddModelError("email", emailProblem);
        if (InviteName.Length > 200) ModelState.AddModelError("name", "Use at most 200 characters.");
        if (!Roles.Customer.Contains(InviteRole)) ModelState.AddModelError("role", "Choose Owner, Admin or Member.");
        if (!ModelState.IsValid) return Page();
        if (await team.InviteAsync(Customer.Id, TeamActor.Vendor(Actor), InviteEmail, InviteRole, InviteName.Length == 0 ? null : InviteName, ct) is { } refusal)
        {
            ModelState.AddModelError(refusal.Field == "Role" ? "role" : "email", refusal.Message);
            return Page();
        }
        Flash = $"Invitation sent to {InviteEmail}.";
        return Redirect($"/vendor/customers/{Uri.EscapeDataString(customer)}/people");
    }

    public async Task<IActionResult> OnPostResendAsync(string customer, long invitationId, CancellationToken ct) =>
        await RowAsync(customer, invitationId, id => team.ResendAsync(Customer.Id, TeamActor.Vendor(Actor), id, ct), "Invitation sent again with a new link.", ct);

    public async Task<IActionResult> OnPostRevokeAsync(string customer, long invitationId, CancellationToken ct) =>
        await RowAsync(customer, invitationId, id => team.RevokeAsync(Customer.Id, TeamActor.Vendor(Actor), id, ct), "Invitation revoked.", ct);

    private async Task<IActionResult> RowAsync(string customer, long invitationId, Func<long, Task<TeamRefusal?>> change, string flash, CancellationToken ct)
    {
        if (!await LoadAsync(customer, ct)) return NotFound();
        if (await change(invitationId) is { } refusal)
        {
            RowError = (invitationId, refusal.Message);
            View = await team.ViewAsync(Customer.Id, ct);
            return Page();
        }
        Flash = flash;
        return Redirect($"/vendor/customers/{Uri.EscapeDataString(customer)}/people");
    }
}
