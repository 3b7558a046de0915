using Microsoft.AspNetCore.Mvc;
using SelfService.Catalog;
using SelfService.Shared;

namespace SelfService.Pages.Staff.Catalog;

/// <summary>
/// The page of one plan or add-on (<see cref="PlanModel"/>, <see cref="AddOnModel"/>): new, edited in place while nobody
/// holds it, or superseded by a new version once in use. Both draw the one form in <c>_Offer.cshtml</c>.
/// </summary>
public abstract class OfferPage(CatalogStore store, CatalogEditor editor) : OperatorPage
{
    [BindProperty]
    public OfferInput Input { get; set; } = new();

    public CatalogSnapshot Catalog { get; private set; } = null!;
    public IOffer? Existing { get; private set; }
    public IOffer? Newest { get; private set; }
    public int Subscriptions { get; private set; }

    public bool Supersedes => Existing is not null && Subscriptions > 0;

    /// <summary>"plan" or "add-on", as the page's words use it.</summary>
    public abstract string Noun { get; }
    /// <summary>The path of this kind of page, <c>/vendor/catalog/plans</c>.</summary>
    public abstract string BasePath { get; }
    public abstract bool IsAddOn { get; }

    protected abstract IReadOnlyList<IOffer> Offers(CatalogSnapshot catalog);
    protected abstract OfferInput Blank(CatalogSnapshot catalog);
    protected abstract OfferInput From(CatalogSnapshot catalog, IOffer existing);
    protected abstract int SubscriptionsOf(CatalogUsage usage, long id);
    protected abstract Task<EditResult<CatalogChange>> SaveAsync(CatalogEditor editor, long? id, OfferInput input, string actor, CancellationToken ct);

    public async Task<IActionResult> OnGetAsync(long? id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct)) return NotFound();
        Input = Existing is null ? Blank(Catalog) : From(Catalog, Existing);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long? id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct)) return NotFound();
        if (Existing is not null) Input.Code = Existing.Code;
        var result = await SaveAsync(editor, id, Input, Actor, ct);
        if (!result.Ok) return AddErrors(nameof(Input), result.Errors) ? Page() : NotFound();
        Flash = result.Value!.Message;
        return Redirect("/vendor/catalog");
    }

    private async Task<bool> LoadAsync(long? id, CancellationToken ct)
    {
        Catalog = await store.SnapshotAsync(ct);
        if (id is null) return true;
        var offers = Offers(Catalog);
        Existing = offers.FirstOrDefault(p => p.Id == id);
        if (Existing is null) return false;
        Newest = Existing;
        while (Newest.SupersededById is { } next) Newest = offers.First(p => p.Id == next);
        Subscriptions = SubscriptionsOf(await editor.UsageAsync(ct), Existing.Id);
        return true;
    }

    public Feature? FeatureOf(EntitlementInput row) => Catalog.Features.FirstOrDefault(f => f.Id == row.FeatureId);
}
