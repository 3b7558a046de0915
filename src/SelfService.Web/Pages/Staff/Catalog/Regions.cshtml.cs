using Microsoft.AspNetCore.Mvc;
using SelfService.Catalog;

namespace SelfService.Pages.Staff.Catalog;

/// <summary>The catalog's regions (named sets of countries that region rules name) and its embargo list.</summary>
public sealed class RegionsModel(RegionStore regions) : OperatorPage
{
    public RegionCatalog Catalog { get; private set; } = RegionCatalog.Empty;

    /// <summary>A new region, or the one being edited (by its code, which is fixed).</summary>
    [BindProperty]
    public RegionInput Input { get; set; } = new(null, null, null);

    [BindProperty]
    public string? Embargo { get; set; }

    /// <summary>The region whose form failed, so its errors show beside its fields; null for the new-region form.</summary>
    public string? EditingCode { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Catalog = await regions.CatalogAsync(ct);
        Embargo = string.Join(", ", Catalog.Embargo.Order(StringComparer.Ordinal));
    }

    public async Task<IActionResult> OnPostSaveAsync(string? code, CancellationToken ct)
    {
        var result = await regions.SaveRegionAsync(string.IsNullOrEmpty(code) ? null : code, Input, Actor, ct);
        if (result.Ok)
        {
            Flash = result.Value;
            return Redirect("/vendor/catalog/regions");
        }
        if (!AddErrors(nameof(Input), result.Errors)) return NotFound();
        EditingCode = string.IsNullOrEmpty(code) ? null : code;
        Catalog = await regions.CatalogAsync(ct);
        Embargo = string.Join(", ", Catalog.Embargo.Order(StringComparer.Ordinal));
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(string code, CancellationToken ct)
    {
        var result = await regions.DeleteRegionAsync(code, Actor, ct);
        if (result.Ok)
        {
            Flash = result.Value;
            return Redirect("/vendor/catalog/regions");
        }
        if (!AddErrors(nameof(Input), result.Errors)) return NotFound();
        EditingCode = code;
        Catalog = await regions.CatalogAsync(ct);
        Embargo = string.Join(", ", Catalog.Embargo.Order(StringComparer.Ordinal));
        Input = Catalog.Region(code) is { } r ? new RegionInput(r.Code, r.Name, r.Countries.Replace(",", ", ")) : Input;
        return Page();
    }

    public async Task<IActionResult> OnPostEmbargoAsync(CancellationToken ct)
    {
        var result = await regions.SetEmbargoAsync(Embargo, Actor, ct);
        if (result.Ok)
        {
            Flash = result.Value;
            return Redirect("/vendor/catalog/regions");
        }
        AddErrors("", result.Errors);
        Catalog = await regions.CatalogAsync(ct);
        return Page();
    }

    /// <summary>"Germany, France" for a list of codes.</summary>
    public static string Names(IEnumerable<string> codes) => string.Join(", ", codes.Select(Countries.Name));
}
