using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Catalog;
using SelfService.Entitlements;
using SelfService.Identity;
using SelfService.Upgrades;

namespace SelfService.Pages.Customers;

/// <summary>Every plan the customer could move to, with what each changes and the downgrade preview.</summary>
public sealed class PlansModel(EntitlementService entitlements, CatalogStore catalog, PlanChangePreview preview) : PageModel
{
    public AccountEntitlements Account { get; private set; } = null!;
    public IReadOnlyList<PlanChangePreviewResult> Options { get; private set; } = [];

    public bool CanRequest => !User.IsVendorStaff() && (User.IsInRole(Roles.Owner) || User.IsInRole(Roles.Admin));

    public async Task<IActionResult> OnGetAsync(string customer, CancellationToken ct)
    {
        var account = await entitlements.ForCustomerAsync(customer, ct: ct);
        if (account is null) return NotFound();
        Account = account;
        var snapshot = await catalog.SnapshotAsync(ct);
        var usage = await preview.CurrentUsageAsync(account, ct);
        Options = snapshot.CurrentPlans
            // The current version of the customer's own plan is a choice too when theirs is superseded.
            .Where(p => p.Family == account.Plan.Family && p.Id != account.Plan.Id)
            .Select(p => PlanChangePreview.Preview(account, snapshot, p, usage))
            .ToList();
        return Page();
    }
}
