namespace SelfService.Portal;

public static class PortalSetup
{
    /// <summary>What the customers' pages read: an account's usage against its caps, its series and CSV export.</summary>
    public static WebApplicationBuilder AddPortal(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AccountUsage>();
        return builder;
    }
}
