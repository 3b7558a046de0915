using SelfService.Jobs;

namespace SelfService.Webhooks;

/// <summary>Sends the webhook deliveries that are due: new ones, retries whose back-off has passed, and any a crash left behind.</summary>
public sealed class WebhookDeliveryJob(WebhookDeliveries deliveries) : IRecurringJob
{
    public Task Execute(CancellationToken ct) => deliveries.DeliverDueAsync(ct);
}
