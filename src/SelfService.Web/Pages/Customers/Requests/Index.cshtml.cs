using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using SelfService.Identity;
using SelfService.Requests;

namespace SelfService.Pages.Customers.Requests;

public sealed class IndexModel(RequestStore store, RequestSubmissions submissions, TemporaryGrants grants, IOptions<RequestsOptions> options, TimeProvider clock) : PageModel
{
    public string Customer { get; private set; } = "";
    public IReadOnlyList<(CustomerRequest Request, IReadOnlyList<CustomerRequestEvent> History)> Requests { get; private set; } = [];
    public IReadOnlyList<TemporaryGrant> Ending { get; private set; } = [];
    public DateTime Now { get; private set; }
    public int MaxDays => options.Value.MaxAccessDays;
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(string customer, CancellationToken ct)
    {
        if (await store.CustomerIdAsync(customer, ct) is null) return NotFound();
        await LoadAsync(customer, ct);
        return Page();
    }

    /// <summary>The one-click extension of a temporary grant that ends soon: the same feature, value and length again.</summary>
    public async Task<IActionResult> OnPostExtendAsync(string customer, long grantId, CancellationToken ct)
    {
        if (User.IsVendorStaff()) return StatusCode(StatusCodes.Status403Forbidden);
        var now = clock.GetUtcNow().UtcDateTime;
        var grant = (await grants.EndingAsync(customer, now, now.AddDays(options.Value.ReminderDays), ct)).FirstOrDefault(g => g.Id == grantId);
        if (grant is null) return NotFound();
        var outcome = await submissions.SubmitAsync(customer, RequestActor.From(User), new RequestDraft
        {
            Kind = RequestKind.Access, FeatureHandle = grant.Handle, Amount = grant.IsBoolean ? null : (int?)grant.Amount,
            DurationDays = grant.DurationDays(options.Value.MaxAccessDays), ExtendsGrantId = grant.Id,
            Justification = $"Extend: {grant.Reason}",
        }, ct);
        switch (outcome.Status)
        {
            case OutcomeStatus.Done:
                return Redirect($"/customers/{customer}/requests/{outcome.Request!.Id}?sent=1");
            case OutcomeStatus.NotFound:
                return NotFound();
            default:
                Error = string.Join(" ", outcome.Errors?.Values ?? []);
                await LoadAsync(customer, ct);
                return Page();
        }
    }

    private async Task LoadAsync(string customer, CancellationToken ct)
    {
        Customer = customer;
        Now = clock.GetUtcNow().UtcDateTime;
        Requests = await store.ForCustomerAsync(customer, ct);
        Ending = await grants.EndingAsync(customer, Now, Now.AddDays(options.Value.ReminderDays), ct);
    }
}
