using Microsoft.AspNetCore.Mvc;
using SelfService.Customers;
using SelfService.Pages.Shared;
using SelfService.Shared;

namespace SelfService.Pages.Staff.Customers;

public sealed class IndexModel(SubscriptionAdmin admin) : OperatorPage
{
    public const int PageSize = 40;

    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Query { get; set; }

    [BindProperty(SupportsGet = true, Name = Paging.Parameter)]
    public string? PageNumber { get; set; }

    public Paged<CustomerMatch> Results { get; private set; } = null!;
    public IReadOnlyList<CustomerMatch> Matches => Results.Rows;

    public PagerView Pager => PagerView.Of(Results, page => Url.Page("/Staff/Customers/Index", new { q = Query, p = page == 1 ? (int?)null : page })!, "Pages of customers");

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Query = Query?.Trim() is { Length: > 0 } q ? q[..Math.Min(q.Length, 100)] : null;
        Results = await admin.SearchPageAsync(Query, PageNumber, PageSize, ct);
        // An exact key goes straight to the subscription.
        if (Query is { } key && Results.Total == 1 && string.Equals(Matches[0].ExternalKey, key, StringComparison.OrdinalIgnoreCase))
            return Redirect($"/vendor/customers/{Uri.EscapeDataString(Matches[0].ExternalKey)}");
        return Page();
    }
}
