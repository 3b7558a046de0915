namespace SelfService.Entitlements;

public static class EntitlementsSetup
{
    /// <summary>What a customer has at an instant, and where each value comes from.</summary>
    public static WebApplicationBuilder AddEntitlements(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<EntitlementService>();
        builder.Services.AddSingleton<SelfService.Customers.IAccountStates, AccountStates>();
        return builder;
    }
}
