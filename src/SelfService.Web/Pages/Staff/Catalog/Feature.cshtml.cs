using Microsoft.AspNetCore.Mvc;
using SelfService.Catalog;
using SelfService.Shared;

namespace SelfService.Pages.Staff.Catalog;

public sealed class FeatureModel(CatalogStore store, CatalogEditor editor) : OperatorPage
{
    [BindProperty]
    public FeatureInput Input { get; set; } = new();

    public Feature? Existing { get; private set; }
    public bool InUse { get; private set; }

    public async Task<IActionResult> OnGetAsync(long? id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct)) return NotFound();
        if (Existing is not null) Input = FeatureInput.From(Existing);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long? id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct)) return NotFound();
        var result = await editor.SaveFeatureAsync(id, Input, Actor, ct);
        if (!result.Ok) return AddErrors(nameof(Input), result.Errors) ? Page() : NotFound();
        Flash = result.Value!.Message;
        return Redirect("/vendor/catalog");
    }

    private async Task<bool> LoadAsync(long? id, CancellationToken ct)
    {
        if (id is null) return true;
        Existing = (await store.FeaturesAsync(ct)).FirstOrDefault(f => f.Id == id);
        if (Existing is null) return false;
        InUse = (await editor.UsageAsync(ct)).FeaturesInUse.Contains(Existing.Id);
        return true;
    }
}
