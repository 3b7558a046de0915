using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Identity;
using SelfService.Pages.Shared;
using SelfService.Requests;

namespace SelfService.Pages.Customers.Requests;

/// <summary>One request: what was asked, its state and history; cancel while pending; the Owner/Admin step for a Member's request.</summary>
public sealed class DetailModel(RequestStore store, RequestDecisions decisions, RequestCancellations cancellations, TimeProvider clock) : PageModel
{
    public CustomerRequest CustomerRequest { get; private set; } = null!;
    public IReadOnlyList<CustomerRequestEvent> History { get; private set; } = [];
    public DateTime Now { get; private set; }
    public string? Message { get; private set; }
    public bool Sent { get; private set; }

    [BindProperty] public int Version { get; set; }
    [BindProperty, Display(Name = "Reason")] public string? Reason { get; set; }

    public RequestActor Actor => RequestActor.From(User);

    /// <summary>This user decides the customer's step of this request now.</summary>
    public bool CanApproveSpend => CustomerRequest.IsPending && CustomerRequest.Step == RequestStep.Customer && RequestTransitions.MayDecide(Actor, CustomerRequest);

    public bool CanCancel => CustomerRequest.IsPending && !User.IsVendorStaff() && (CustomerRequest.RequestedByUserId == Actor.UserId || Actor.IsCustomerApprover);

    public async Task<IActionResult> OnGetAsync(string customer, long id, bool sent, CancellationToken ct)
    {
        Sent = sent;
        return await LoadAsync(customer, id, ct) ? Page() : NotFound();
    }

    public Task<IActionResult> OnPostApproveAsync(string customer, long id, CancellationToken ct) =>
        DecideAsync(customer, id, () => decisions.DecideAsync(id, Version, Actor, new RequestDecision(true, Reason), ct), ct);

    public Task<IActionResult> OnPostRejectAsync(string customer, long id, CancellationToken ct) =>
        DecideAsync(customer, id, () => decisions.DecideAsync(id, Version, Actor, new RequestDecision(false, Reason), ct), ct);

    public Task<IActionResult> OnPostCancelAsync(string customer, long id, CancellationToken ct) =>
        DecideAsync(customer, id, () => cancellations.CancelAsync(id, Version, Actor, ct), ct);

    private async Task<IActionResult> DecideAsync(string customer, long id, Func<Task<RequestOutcome>> decide, CancellationToken ct)
    {
        // A request of another customer does not exist, whatever the URL says.
        var request = await store.FindAsync(id, ct);
        if (request is null || request.CustomerKey != customer) return NotFound();
        if (this.Answer(await decide(), $"/customers/{customer}/requests/{id}", m => Message = m) is { } answered) return answered;
        await LoadAsync(customer, id, ct);
        return Page();
    }

    private async Task<bool> LoadAsync(string customer, long id, CancellationToken ct)
    {
        var request = await store.FindAsync(id, ct);
        if (request is null || request.CustomerKey != customer) return false;
        CustomerRequest = request;
        History = await store.EventsAsync(id, ct);
        Now = clock.GetUtcNow().UtcDateTime;
        return true;
    }
}
