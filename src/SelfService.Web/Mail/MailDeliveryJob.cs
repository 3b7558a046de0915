using SelfService.Jobs;

namespace SelfService.Mail;

/// <summary>Every minute: delivers queued mail that no delivery job took (a crash between commit and enqueue) or that waits for a retry.</summary>
public sealed class MailDeliveryJob(MailDelivery delivery) : IRecurringJob
{
    public Task Execute(CancellationToken ct) => delivery.DeliverDueAsync(ct);
}
