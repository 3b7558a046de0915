using SelfService.Accounts;
using SelfService.Alerts;
using SelfService.Analytics;
using SelfService.Api;
using SelfService.Audit;
using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Demo;
using SelfService.Entitlements;
using SelfService.Events;
using SelfService.Health;
using SelfService.Identity;
using SelfService.Integration;
using SelfService.Jobs;
using SelfService.Mail;
using SelfService.Metering;
using SelfService.Notifications;
using SelfService.Portal;
using SelfService.Requests;
using SelfService.Upgrades;
using SelfService.Webhooks;

namespace SelfService.Web;

/// <summary>The app's features, composed once for Program.cs and for any host that must match it (benchmarks).</summary>
public static class AppComposition
{
    /// <summary><c>SelfService:Mode = Worker</c> runs the jobs with no pages or APIs, for scale-out beside web instances.</summary>
    public static bool IsWorker(IConfiguration configuration) =>
        string.Equals(configuration["SelfService:Mode"], "Worker", StringComparison.OrdinalIgnoreCase);

    /// <summary>The product, feature by feature. Each <c>AddXxx</c> wires its own services, options and jobs.</summary>
    public static WebApplicationBuilder AddSelfService(this WebApplicationBuilder builder)
    {
        if (builder.Configuration["SelfService:Mode"] is { Length: > 0 } mode && !IsWorker(builder.Configuration) && !mode.Equals("Web", StringComparison.OrdinalIgnoreCase))
            throw new SelfService.Data.ConfigurationProblem("SelfService:Mode", $"must be Web or Worker, not '{mode}'.");
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddDemo(); // first of the hosted services after the migrations: the demo is seeded before any job runs
        builder.AddJobs();
        builder.AddHealth();
        builder.AddAudit();
        builder.AddCatalog();
        builder.AddCustomers();
        builder.AddEntitlements();
        builder.AddUpgrades();
        builder.AddMetering();
        builder.AddNotifications();
        builder.AddRequests();
        builder.AddAlerts();
        builder.AddEvents();
        builder.AddWebhooks();
        builder.AddIntegration();
        builder.AddMail();
        builder.AddAccounts();
        builder.AddApiKeys();
        if (!IsWorker(builder.Configuration))
        {
            builder.AddSignIn();
            builder.AddApi();
            builder.AddPortal();
            builder.AddAnalytics();
            builder.AddWebPages();
        }
        builder.CheckJobSchedules();
        return builder;
    }

    public static WebApplication UseSelfService(this WebApplication app)
    {
        if (!IsWorker(app.Configuration))
        {
            app.UseWebPages();
            app.MapJobDashboard();
            app.MapIntegration();
            app.MapMetering();
            app.MapWebhooks();
        }
        app.MapHealth();
        return app;
    }
}
