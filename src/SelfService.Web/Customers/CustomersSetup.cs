using SelfService.Jobs;

namespace SelfService.Customers;

public static class CustomersSetup
{
    /// <summary>
    /// Customers and their subscriptions: the one writer of subscription changes and the operators' side of it. With its
    /// job: applying scheduled plan changes (every minute; entitlements count them from their instant regardless).
    /// </summary>
    public static WebApplicationBuilder AddCustomers(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CustomerStore>();
        builder.Services.AddSingleton<SubscriptionChanges>();
        builder.Services.AddSingleton<SubscriptionAdmin>();
        builder.Services.AddRecurringJob<ApplyScheduledChangesJob>("* * * * *");
        return builder;
    }
}
