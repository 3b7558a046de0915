namespace SelfService.Upgrades;

public static class UpgradesSetup
{
    /// <summary>What a plan change would do to a customer's entitlements against current usage, and the cheapest upgrade that covers it.</summary>
    public static WebApplicationBuilder AddUpgrades(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PlanChangePreview>();
        return builder;
    }
}
