using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Customers;
using SelfService.Identity;

namespace SelfService.Pages;

public sealed class IndexModel(CustomerStore customers) : PageModel
{
    public IReadOnlyList<CustomerSummary> Customers { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (User.CustomerKey() is { } key) return Redirect($"/customers/{key}");
        Customers = await customers.ListAsync(ct);
        return Page();
    }
}
