using Hangfire;
using Microsoft.Extensions.Options;
using SelfService.Api;
using SelfService.Data;
using SelfService.Jobs;

namespace SelfService.Webhooks;

public static class WebhooksSetup
{
    /// <summary>Webhook endpoints, their signed delivery by the <see cref="WebhookDeliveryJob"/>, the API and the staff pages' services.</summary>
    public static WebApplicationBuilder AddWebhooks(this WebApplicationBuilder builder)
    {
        builder.AddCheckedOptions<WebhookOptions>(WebhookOptions.Section, WebhookOptions.Check);
        builder.Services.AddSingleton<WebhookEndpointStore>();
        builder.Services.AddSingleton<WebhookDeliveries>();
        builder.Services.AddRecurringJob<WebhookDeliveryJob>(Cron.Minutely());
        builder.Services.AddHttpClient(WebhookDeliveries.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => WebhookNetwork.Handler(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateNetworks));
        return builder;
    }

    public static WebApplication MapWebhooks(this WebApplication app)
    {
        WebhookEndpointsApi.Map(app.MapApiV1());
        return app;
    }
}
