namespace SelfService.Analytics;

public static class AnalyticsSetup
{
    /// <summary>The operators' usage analytics over every customer and feature.</summary>
    public static WebApplicationBuilder AddAnalytics(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<UsageAnalytics>();
        return builder;
    }
}
