using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Customers;
using SelfService.Requests;

namespace SelfService.Pages.Staff.Approvals;

/// <summary>
/// The approver's queue: requests across customers, by default those waiting for a vendor Approver, oldest first.
/// Approvers decide; Operators may look (they manage the subscriptions these requests change), the folder's
/// VendorStaff policy lets both in and the detail page lets only Approvers decide.
/// </summary>
public sealed class IndexModel(RequestStore store, CustomerStore customers, TimeProvider clock) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Customer { get; set; }
    [BindProperty(SupportsGet = true)] public string? Kind { get; set; }
    [BindProperty(SupportsGet = true)] public string? State { get; set; }

    public IReadOnlyList<CustomerRequest> Requests { get; private set; } = [];
    public IReadOnlyList<CustomerSummary> Customers { get; private set; } = [];
    public long Waiting { get; private set; }
    public DateTime Now { get; private set; }

    public static readonly (string Value, string Label)[] States =
    [
        (QueueFilter.Waiting, "Waiting for an Approver"),
        (nameof(RequestState.Pending), "Pending (either step)"),
        (nameof(RequestState.Approved), "Approved"),
        (nameof(RequestState.Rejected), "Rejected"),
        (nameof(RequestState.Cancelled), "Cancelled"),
        (nameof(RequestState.Expired), "Expired"),
        (QueueFilter.All, "All"),
    ];

    public async Task OnGetAsync(CancellationToken ct)
    {
        State = States.Any(s => s.Value.Equals(State, StringComparison.OrdinalIgnoreCase)) ? States.First(s => s.Value.Equals(State, StringComparison.OrdinalIgnoreCase)).Value : QueueFilter.Waiting;
        var kind = Enum.TryParse<RequestKind>(Kind, true, out var k) ? k : (RequestKind?)null;
        Kind = kind?.ToString();
        Now = clock.GetUtcNow().UtcDateTime;
        Customers = await customers.ListAsync(ct);
        if (!Customers.Any(c => c.ExternalKey == Customer)) Customer = null;
        Requests = await store.QueueAsync(new QueueFilter(Customer, kind, State), ct: ct);
        Waiting = await store.WaitingForVendorAsync(ct);
    }

    /// <summary>How long a request has waited (or waited before it was decided): "3 days", "5 hours".</summary>
    public string Age(CustomerRequest r)
    {
        var span = (r.DecidedAt ?? Now) - r.CreatedAt;
        return span.TotalDays >= 1 ? Plural((int)span.TotalDays, "day") : span.TotalHours >= 1 ? Plural((int)span.TotalHours, "hour") : Plural(Math.Max(1, (int)span.TotalMinutes), "minute");
    }

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";
}
