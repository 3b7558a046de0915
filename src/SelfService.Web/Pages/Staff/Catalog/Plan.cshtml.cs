using SelfService.Catalog;
using SelfService.Shared;

namespace SelfService.Pages.Staff.Catalog;

public sealed class PlanModel(CatalogStore store, CatalogEditor editor) : OfferPage(store, editor)
{
    public override string Noun => "plan";
    public override string BasePath => "/vendor/catalog/plans";
    public override bool IsAddOn => false;

    protected override IReadOnlyList<IOffer> Offers(CatalogSnapshot catalog) => catalog.Plans;
    protected override OfferInput Blank(CatalogSnapshot catalog) => OfferInput.BlankPlan(catalog);
    protected override OfferInput From(CatalogSnapshot catalog, IOffer existing) => OfferInput.From(catalog, (PricePlan)existing);
    protected override int SubscriptionsOf(CatalogUsage usage, long id) => usage.OnPlan(id);
    protected override Task<EditResult<CatalogChange>> SaveAsync(CatalogEditor editor, long? id, OfferInput input, string actor, CancellationToken ct) =>
        editor.SavePlanAsync(id, input, actor, ct);
}
