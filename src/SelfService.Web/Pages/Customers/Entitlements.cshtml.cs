using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Entitlements;
using SelfService.Identity;
using SelfService.Portal;

namespace SelfService.Pages.Customers;

public sealed class EntitlementsModel(EntitlementService entitlements, AccountUsage usage) : PageModel
{
    public AccountEntitlements Account { get; private set; } = null!;
    public IReadOnlyList<LockedFeature> Locked { get; private set; } = [];

    [BindProperty(SupportsGet = true)]
    public string Tab { get; set; } = "inherited";

    [BindProperty(SupportsGet = true)]
    public string? Notice { get; set; }

    public bool CanRequest => !User.IsVendorStaff() && (User.IsInRole(Roles.Owner) || User.IsInRole(Roles.Admin));

    public async Task<IActionResult> OnGetAsync(string customer, CancellationToken ct)
    {
        var account = await entitlements.ForCustomerAsync(customer, ct: ct);
        if (account is null) return NotFound();
        Account = account;
        Tab = Tab == "granted" ? "granted" : "inherited";
        Locked = await usage.LockedAsync(account, ct);
        return Page();
    }
}
