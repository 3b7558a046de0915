using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Customers;
using SelfService.Requests;
using SelfService.Shared;

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
    /// <summary>Part of a customer's name or key.</summary>
    [BindProperty(SupportsGet = true, Name = "q")] public string? Search { get; set; }
    /// <summary>Only requests asked more than this long ago: one of <see cref="Ages"/>.</summary>
    [BindProperty(SupportsGet = true, Name = "age")] public string? OlderThan { get; set; }
    [BindProperty(SupportsGet = true, Name = Paging.Parameter)] public string? PageNumber { get; set; }

    public const int PageSize = 40;

    public Paged<CustomerRequest> Results { get; private set; } = null!;
    public IReadOnlyList<CustomerRequest> Requests => Results.Rows;
    /// <summary>What was wrong with a filter, said once above the list (the filter is then left out).</summary>
    public List<string> Problems { get; } = [];
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

    public static readonly (string Value, string Label, int Days)[] Ages =
    [
        ("1d", "Older than 1 day", 1),
        ("3d", "Older than 3 days", 3),
        ("7d", "Older than 7 days", 7),
        ("30d", "Older than 30 days", 30),
    ];

    public static readonly (RequestKind Kind, string Label)[] Kinds =
    [
        (RequestKind.AddOn, "Add-on"),
        (RequestKind.Plan, "Plan change"),
        (RequestKind.Access, "Temporary access"),
    ];

    public async Task OnGetAsync(CancellationToken ct)
    {
        if (State is { Length: > 0 } && !States.Any(s => s.Value.Equals(State, StringComparison.OrdinalIgnoreCase)))
            Problems.Add($"There is no state “{Clip(State)}”; showing the requests waiting for an Approver.");
        State = States.Any(s => s.Value.Equals(State, StringComparison.OrdinalIgnoreCase)) ? States.First(s => s.Value.Equals(State, StringComparison.OrdinalIgnoreCase)).Value : QueueFilter.Waiting;
        // Only the names the filter offers: Enum.TryParse would also take "1" or "AddOn, Plan".
        var kind = Kinds.Where(k => k.Kind.ToString().Equals(Kind?.Trim(), StringComparison.OrdinalIgnoreCase)).Select(k => (RequestKind?)k.Kind).FirstOrDefault();
        if (kind is null && Kind is { Length: > 0 }) Problems.Add($"There is no kind “{Clip(Kind)}”; showing every kind.");
        Kind = kind?.ToString();
        var age = Ages.FirstOrDefault(a => a.Value.Equals(OlderThan?.Trim(), StringComparison.OrdinalIgnoreCase));
        if (age.Value is null && OlderThan is { Length: > 0 }) Problems.Add($"There is no age “{Clip(OlderThan)}”; showing requests of any age.");
        OlderThan = age.Value;
        Search = Search?.Trim() is { Length: > 0 } q ? q[..Math.Min(q.Length, 100)] : null;
        Now = clock.GetUtcNow().UtcDateTime;
        if (string.IsNullOrWhiteSpace(Customer)) Customer = null;
        else if (await customers.FindAsync(Customer, ct) is null)
        {
            // A key that names no customer is searched for instead, so a typed key still finds what it is part of.
            Search ??= Customer.Trim()[..Math.Min(Customer.Trim().Length, 100)];
            Customer = null;
        }
        DateTime? before = age.Value is null ? null : Now.AddDays(-age.Days);
        Results = await store.QueuePageAsync(new QueueFilter(Customer, kind, State, Search, before), PageNumber, PageSize, ct);
        Waiting = await store.WaitingForVendorAsync(ct);
    }

    private static string Clip(string text) => text.Length > 40 ? text[..40] + "…" : text;

    public bool Filtered => Customer is not null || Search is not null || Kind is not null || OlderThan is not null || State != QueueFilter.Waiting;

    public SelfService.Pages.Shared.PagerView Pager => SelfService.Pages.Shared.PagerView.Of(Results, PageLink, "Pages of requests");

    /// <summary>This queue's address with its filters, at page <paramref name="page"/>.</summary>
    public string PageLink(int page) => Url.Page("/Staff/Approvals/Index", new
    {
        customer = Customer, q = Search, kind = Kind, age = OlderThan, state = State == QueueFilter.Waiting ? null : State, p = page == 1 ? (int?)null : page,
    })!;

    /// <summary>How long a request has waited (or waited before it was decided): "3 days", "5 hours".</summary>
    public string Age(CustomerRequest r)
    {
        var span = (r.DecidedAt ?? Now) - r.CreatedAt;
        return span.TotalDays >= 1 ? Plural((int)span.TotalDays, "day") : span.TotalHours >= 1 ? Plural((int)span.TotalHours, "hour") : Plural(Math.Max(1, (int)span.TotalMinutes), "minute");
    }

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";
}
