using SelfService.Jobs;

namespace SelfService.Requests;

/// <summary>Expires requests pending longer than the configured age (14 days by default) and tells their requesters.</summary>
public sealed class ExpireStaleRequestsJob(RequestExpiry requests) : IRecurringJob
{
    public Task Execute(CancellationToken ct) => requests.ExpireStaleAsync(ct);
}
