using Microsoft.AspNetCore.Mvc;
using SelfService.Customers;
using SelfService.Shared;

namespace SelfService.Pages.Staff.Customers;

public sealed class IndexModel(SubscriptionAdmin admin) : OperatorPage
{
    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Query { get; set; }

    public IReadOnlyList<CustomerMatch> Matches { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Matches = await admin.SearchAsync(Query, ct);
        // An exact key goes straight to the subscription.
        if (Query is { Length: > 0 } q && Matches.Count == 1 && string.Equals(Matches[0].ExternalKey, q.Trim(), StringComparison.OrdinalIgnoreCase))
            return Redirect($"/vendor/customers/{Uri.EscapeDataString(Matches[0].ExternalKey)}");
        return Page();
    }
}
