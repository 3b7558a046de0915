using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Catalog;
using SelfService.Entitlements;

namespace SelfService.Pages.Customers;

public sealed class AccountModel(EntitlementService entitlements) : PageModel
{
    public AccountEntitlements Account { get; private set; } = null!;

    /// <summary>Features the customer does not have at all, or has switched off.</summary>
    public IReadOnlyList<Feature> Missing { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string customer, CancellationToken ct)
    {
        var account = await entitlements.ForCustomerAsync(customer, ct: ct);
        if (account is null) return NotFound();
        Account = account;
        var held = account.Entitlements.Where(e => e.HasAccess).Select(e => e.Feature.Id).ToHashSet();
        Missing = account.AllFeatures.Where(f => !held.Contains(f.Id)).ToList();
        return Page();
    }
}
