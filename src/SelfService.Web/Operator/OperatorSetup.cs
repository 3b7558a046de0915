using SelfService.Analytics;
using SelfService.Audit;
using SelfService.Catalog;
using SelfService.Customers;

namespace SelfService.Operator;

public static class OperatorSetup
{
    /// <summary>The operators' area: catalog editing, subscription and grant management, the audit search and usage analytics.</summary>
    public static WebApplicationBuilder AddOperatorArea(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CatalogEditor>();
        builder.Services.AddSingleton<SubscriptionAdmin>();
        builder.Services.AddSingleton<AuditSearch>();
        builder.Services.AddSingleton<UsageAnalytics>();
        return builder;
    }
}
