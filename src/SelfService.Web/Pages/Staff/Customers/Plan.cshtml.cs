using Microsoft.AspNetCore.Mvc;
using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Entitlements;
using SelfService.Shared;
using SelfService.Upgrades;

namespace SelfService.Pages.Staff.Customers;

/// <summary>Changes a subscription's plan, after a preview of what the change does to each feature against current usage.</summary>
public sealed class PlanModel(EntitlementService entitlements, CatalogStore store, PlanChangePreview preview, SubscriptionAdmin admin) : OperatorPage
{
    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    public AccountEntitlements Account { get; private set; } = null!;
    public IReadOnlyList<PricePlan> Choices { get; private set; } = [];
    public PlanChangePreviewResult? Preview { get; private set; }

    [BindProperty]
    public string? Reason { get; set; }

    public async Task<IActionResult> OnGetAsync(string customer, CancellationToken ct)
    {
        if (!await LoadAsync(customer, ct)) return NotFound();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string customer, long planId, CancellationToken ct)
    {
        var result = await admin.ChangePlanAsync(customer, planId, Reason, Actor, ct);
        if (!result.Ok)
        {
            if (result.Errors.ContainsKey(FormErrors.NotFoundField)) return NotFound();
            if (!await LoadAsync(customer, ct)) return NotFound();
            AddErrors("", result.Errors);
            return Page();
        }
        Flash = $"Changed the plan to {result.Value!.Name} v{result.Value.Version}.";
        return Redirect($"/vendor/customers/{Uri.EscapeDataString(customer)}");
    }

    private async Task<bool> LoadAsync(string customer, CancellationToken ct)
    {
        var account = await entitlements.ForCustomerAsync(customer, ct: ct);
        if (account is null) return false;
        Account = account;
        var snapshot = await store.SnapshotAsync(ct);
        Choices = snapshot.CurrentPlans.Where(p => p.Family == account.Plan.Family && p.Id != account.Plan.Id).ToList();
        var target = Choices.FirstOrDefault(p => p.Code == To);
        if (target is not null)
            Preview = PlanChangePreview.Preview(account, snapshot, target, await preview.CurrentUsageAsync(account, ct));
        return true;
    }
}
