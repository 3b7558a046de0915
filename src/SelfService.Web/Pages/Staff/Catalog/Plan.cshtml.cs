using Microsoft.AspNetCore.Mvc;
using SelfService.Catalog;
using SelfService.Operator;

namespace SelfService.Pages.Staff.Catalog;

public sealed class PlanModel(CatalogStore store, CatalogEditor editor) : OperatorPage
{
    [BindProperty]
    public PlanInput Input { get; set; } = new();

    public CatalogSnapshot Catalog { get; private set; } = null!;
    public PricePlan? Existing { get; private set; }
    public PricePlan? Newest { get; private set; }
    public int Subscriptions { get; private set; }

    public bool Supersedes => Existing is not null && Subscriptions > 0;

    public async Task<IActionResult> OnGetAsync(long? id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct)) return NotFound();
        Input = Existing is null ? PlanInput.Blank(Catalog) : PlanInput.From(Catalog, Existing);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long? id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct)) return NotFound();
        if (Existing is not null) Input.Code = Existing.Code;
        var result = await editor.SavePlanAsync(id, Input, Actor, ct);
        if (!result.Ok) return AddErrors(nameof(Input), result.Errors) ? Page() : NotFound();
        Flash = result.Value!.Message;
        return Redirect("/vendor/catalog");
    }

    private async Task<bool> LoadAsync(long? id, CancellationToken ct)
    {
        Catalog = await store.SnapshotAsync(ct);
        if (id is null) return true;
        Existing = Catalog.Plans.FirstOrDefault(p => p.Id == id);
        if (Existing is null) return false;
        Newest = Existing;
        while (Newest.SupersededById is { } next) Newest = Catalog.Plans.First(p => p.Id == next);
        Subscriptions = (await editor.UsageAsync(ct)).OnPlan(Existing.Id);
        return true;
    }

    public Feature? FeatureOf(EntitlementInput row) => Catalog.Features.FirstOrDefault(f => f.Id == row.FeatureId);
}
