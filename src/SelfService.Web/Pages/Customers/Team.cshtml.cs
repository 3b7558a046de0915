using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Accounts;
using SelfService.Customers;
using SelfService.Identity;

namespace SelfService.Pages.Customers;

public sealed class TeamModel(Team team, CustomerStore customers, TimeProvider clock) : PageModel
{
    public CustomerSummary Customer { get; private set; } = null!;
    public TeamView View { get; private set; } = new([], []);
    public DateTime Now { get; private set; }
    public IReadOnlyList<SeatPool> Seats { get; private set; } = [];

    /// <summary>Where a refused invitation can lead (more seats), shown beside its error.</summary>
    public (string Url, string Text)? InviteLink { get; private set; }

    /// <summary>The signed-in person's role here; null for the vendor's staff, who see the team but change it from the staff pages.</summary>
    public string? MyRole { get; private set; }
    public long? MyId { get; private set; }
    public IReadOnlyList<string> Assignable => MyRole is null ? [] : Team.AssignableBy(MyRole);
    public bool CanChange => Assignable.Count > 0;
    public bool CanAssign => MyRole is Roles.Owner or Roles.Admin;

    // The assign form's values, kept when it is shown again with an error, and where a refusal leads (more seats).
    public string AssignFeature { get; private set; } = "";
    public string AssignEmail { get; private set; } = "";
    public (string Url, string Text)? AssignLink { get; private set; }

    public string? SeatFieldError(string handle) => AssignFeature == handle ? FieldError("seatEmail") : null;

    /// <summary>The seat features a person holds, for the people table.</summary>
    public IEnumerable<string> SeatsOf(long userId) =>
        Seats.SelectMany(p => p.Holders.Where(h => h.UserId == userId).Select(h => h.Flagged ? $"{p.Feature.Name} (over the limit)" : p.Feature.Name));

    // The invite form's values, kept when it is shown again with an error.
    public string InviteEmail { get; private set; } = "";
    public string InviteRole { get; private set; } = Roles.Member;

    /// <summary>A refused row action: which row (person or invitation id) and why.</summary>
    public (string Kind, long Id, string Message)? RowError { get; private set; }

    [TempData]
    public string? Flash { get; set; }

    public string? FieldError(string field) => ModelState.TryGetValue(field, out var entry) && entry.Errors.Count > 0 ? entry.Errors[0].ErrorMessage : null;

    public bool CanManage(string targetRole) => MyRole is not null && Team.CanManage(MyRole, targetRole);

    private async Task<bool> LoadAsync(string customer, CancellationToken ct)
    {
        if (await customers.FindAsync(customer, ct) is not { } found) return false;
        Customer = found;
        Now = clock.GetUtcNow().UtcDateTime;
        if (!User.IsVendorStaff())
        {
            MyId = User.UserId();
            MyRole = Roles.Customer.FirstOrDefault(User.IsInRole);
        }
        View = await team.ViewAsync(found.Id, ct);
        Seats = await team.SeatPoolsAsync(found.ExternalKey, found.Id, Now, ct: ct);
        return true;
    }

    public async Task<IActionResult> OnGetAsync(string customer, CancellationToken ct) =>
        await LoadAsync(customer, ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostInviteAsync(string customer, string? email, string? role, CancellationToken ct)
    {
        if (!await LoadAsync(customer, ct)) return NotFound();
        InviteEmail = email?.Trim() ?? "";
        InviteRole = role ?? "";
        if (InviteInput.EmailProblem(InviteEmail) is { } emailProblem) ModelState.AddModelError("email", emailProblem);
        if (!Roles.Customer.Contains(InviteRole)) ModelState.AddModelError("role", "Choose Owner, Admin or Member.");
        if (!ModelState.IsValid) return Page();
        return await Done(await team.InviteAsync(Customer.Id, TeamActor.Person(User), InviteEmail, InviteRole, ct: ct),
            $"Invitation sent to {InviteEmail}.", r =>
            {
                ModelState.AddModelError(!CanChange ? "" : r.Field == "Role" ? "role" : "email", r.Message);
                if (r.LinkUrl is { } url) InviteLink = (url, r.LinkText ?? "More");
            });
    }

    public async Task<IActionResult> OnPostResendAsync(string customer, long invitationId, CancellationToken ct)
    {
        if (!await LoadAsync(customer, ct)) return NotFound();
        var email = View.Invitations.FirstOrDefault(i => i.Id == invitationId)?.Email;
        return await Done(await team.ResendAsync(Customer.Id, TeamActor.Person(User), invitationId, ct),
            $"Invitation sent again to {email}; the earlier link no longer works.", r => RowError = ("invitation", invitationId, r.Message));
    }

    public async Task<IActionResult> OnPostRevokeAsync(string customer, long invitationId, CancellationToken ct)
    {
        if (!await LoadAsync(customer, ct)) return NotFound();
        var email = View.Invitations.FirstOrDefault(i => i.Id == invitationId)?.Email;
        return await Done(await team.RevokeAsync(Customer.Id, TeamActor.Person(User), invitationId, ct),
            $"Invitation of {email} revoked: its link no longer works.", r => RowError = ("invitation", invitationId, r.Message));
    }

    public async Task<IActionResult> OnPostRoleAsync(string customer, long userId, string? role, CancellationToken ct)
    {
        if (!await LoadAsync(customer, ct)) return NotFound();
        var person = View.People.FirstOrDefault(p => p.Id == userId);
        if (!Roles.Customer.Contains(role ?? "")) { RowError = ("person", userId, "Choose Owner, Admin or Member."); return Page(); }
        return await Done(await team.ChangeRoleAsync(Customer.Id, TeamActor.Person(User), userId, role!, ct),
            $"{person?.DisplayName} is now {role}. They were signed out everywhere and get the new role at their next sign-in.", r => RowError = ("person", userId, r.Message));
    }

    public async Task<IActionResult> OnPostRemoveAsync(string customer, long userId, CancellationToken ct)
    {
        if (!await LoadAsync(customer, ct)) return NotFound();
        var person = View.People.FirstOrDefault(p => p.Id == userId);
        return await Done(await team.RemoveAsync(Customer.Id, TeamActor.Person(User), userId, ct),
            $"{person?.DisplayName} ({person?.Email}) was removed and signed out everywhere.", r => RowError = ("person", userId, r.Message));
    }

    public async Task<IActionResult> OnPostAssignAsync(string customer, string? feature, string? email, CancellationToken ct)
    {
        if (!await LoadAsync(customer, ct)) return NotFound();
        AssignFeature = feature ?? "";
        AssignEmail = email?.Trim() ?? "";
        if (Seats.All(p => p.Feature.Handle != AssignFeature)) { ModelState.AddModelError("", "Choose a seat feature of this account."); return Page(); }
        if (InviteInput.EmailProblem(AssignEmail) is { } problem)
        {
            ModelState.AddModelError("seatEmail", problem.Replace("of the person to invite", "of a person of the team"));
            return Page();
        }
        return await Done(await team.AssignSeatAsync(Customer.Id, TeamActor.Person(User), AssignFeature, AssignEmail, ct),
            $"{AssignEmail} now holds a seat.", r =>
            {
                ModelState.AddModelError(r.Field == "Email" ? "seatEmail" : "", r.Message);
                if (r.LinkUrl is { } url) AssignLink = (url, r.LinkText ?? "More seats");
            });
    }

    public async Task<IActionResult> OnPostUnassignAsync(string customer, string? feature, long userId, CancellationToken ct)
    {
        if (!await LoadAsync(customer, ct)) return NotFound();
        var holder = Seats.FirstOrDefault(p => p.Feature.Handle == feature)?.Holders.FirstOrDefault(h => h.UserId == userId);
        return await Done(await team.UnassignSeatAsync(Customer.Id, TeamActor.Person(User), feature ?? "", userId, ct),
            holder is null ? "That seat was already free." : $"The seat of {holder.Email} is free.", r => ModelState.AddModelError("", r.Message));
    }

    public async Task<IActionResult> OnPostLeaveAsync(string customer, CancellationToken ct)
    {
        if (!await LoadAsync(customer, ct)) return NotFound();
        if (await team.LeaveAsync(Customer.Id, TeamActor.Person(User), ct) is { } refusal)
        {
            ModelState.AddModelError("leave", refusal.Message);
            return Page();
        }
        return Redirect("/account/sign-in?notice=left");
    }

    private async Task<IActionResult> Done(TeamRefusal? refusal, string flash, Action<TeamRefusal> show)
    {
        if (refusal is not null)
        {
            show(refusal);
            View = await team.ViewAsync(Customer.Id);
            Seats = await team.SeatPoolsAsync(Customer.ExternalKey, Customer.Id, Now);
            return Page();
        }
        Flash = flash;
        return RedirectToPage(new { customer = Customer.ExternalKey });
    }
}
