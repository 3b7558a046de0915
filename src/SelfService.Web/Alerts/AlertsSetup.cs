namespace SelfService.Alerts;

public static class AlertsSetup
{
    /// <summary>The usage alerts each customer user chooses: their preferences, and the check the rollup calls.</summary>
    public static WebApplicationBuilder AddAlerts(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AlertPreferences>();
        builder.Services.AddSingleton<UsageAlerts>();
        builder.Services.AddSingleton<SelfService.Metering.IUsageAlerts>(sp => sp.GetRequiredService<UsageAlerts>());
        return builder;
    }
}
