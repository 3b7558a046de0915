using SelfService.Accounts;
using SelfService.Api;
using SelfService.Events;
using SelfService.Health;
using SelfService.Identity;
using SelfService.Integration;
using SelfService.Jobs;
using SelfService.Mail;
using SelfService.Metering;
using SelfService.Operator;
using SelfService.Requests;
using SelfService.Webhooks;

namespace SelfService.Web;

/// <summary>The app's features, composed once for Program.cs and for any host that must match it (benchmarks).</summary>
public static class AppComposition
{
    /// <summary><c>SelfService:Mode = Worker</c> runs the jobs with no pages or APIs, for scale-out beside web instances.</summary>
    public static bool IsWorker(IConfiguration configuration) =>
        string.Equals(configuration["SelfService:Mode"], "Worker", StringComparison.OrdinalIgnoreCase);

    public static WebApplicationBuilder AddSelfService(this WebApplicationBuilder builder)
    {
        if (builder.Configuration["SelfService:Mode"] is { Length: > 0 } mode && !IsWorker(builder.Configuration) && !mode.Equals("Web", StringComparison.OrdinalIgnoreCase))
            throw new SelfService.Data.ConfigurationProblem("SelfService:Mode", $"must be Web or Worker, not '{mode}'.");
        builder.AddJobs();
        builder.AddHealth();
        builder.AddEvents();
        builder.AddWebhooks();
        builder.AddRequests();
        builder.AddIntegration();
        builder.AddMetering();
        builder.AddMail();
        builder.AddAccounts();
        if (!IsWorker(builder.Configuration))
        {
            builder.AddSignIn();
            builder.AddApi();
            builder.AddWebPages();
            builder.AddOperatorArea();
        }
        else
        {
            // No pages, but on an empty embedded database the worker seeds the demo as the web app would: users and a key.
            builder.Services.AddSingleton<UserStore>();
            builder.Services.AddSingleton<ApiKeyStore>();
        }
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
