using SelfService.Catalog;
using SelfService.Shared;

namespace SelfService.Pages.Staff.Catalog;

public sealed class AddOnModel(CatalogStore store, CatalogEditor editor) : OfferPage(store, editor)
{
    public override string Noun => "add-on";
    public override string BasePath => "/vendor/catalog/add-ons";
    public override bool IsAddOn => true;

    protected override IReadOnlyList<IOffer> Offers(CatalogSnapshot catalog) => catalog.AddOns;
    protected override OfferInput Blank(CatalogSnapshot catalog) => OfferInput.BlankAddOn(catalog);
    protected override OfferInput From(CatalogSnapshot catalog, IOffer existing) => OfferInput.From(catalog, (AddOn)existing);
    protected override int SubscriptionsOf(CatalogUsage usage, long id) => usage.OnAddOn(id);
    protected override Task<EditResult<CatalogChange>> SaveAsync(CatalogEditor editor, long? id, OfferInput input, string actor, CancellationToken ct) =>
        editor.SaveAddOnAsync(id, input, actor, ct);
}
