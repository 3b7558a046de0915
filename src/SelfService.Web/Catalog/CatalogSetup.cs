namespace SelfService.Catalog;

public static class CatalogSetup
{
    /// <summary>Features, plans and add-ons: the reads every feature shares and the operators' editor.</summary>
    public static WebApplicationBuilder AddCatalog(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CatalogStore>();
        builder.Services.AddSingleton<CatalogEditor>();
        builder.Services.AddSingleton<RegionStore>();
        builder.Services.AddSingleton<CatalogPolicies>();
        return builder;
    }
}
