using Dapper;
using Microsoft.Extensions.Options;
using SelfService.Audit;
using SelfService.Data;
using SelfService.Notifications;
using static SelfService.Requests.RequestTransitions;

namespace SelfService.Requests;

/// <summary>Requests nobody decided in time: expired, with their requesters told (run by <see cref="ExpireStaleRequestsJob"/>).</summary>
public sealed class RequestExpiry(Db db, RequestTransitions transitions, AuditLog audit, NotificationService notifications, TimeProvider clock, IOptions<RequestsOptions> options)
{
    private RequestsOptions Options => options.Value;
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>Expires requests pending longer than <see cref="RequestsOptions.StaleAfterDays"/>. Returns how many it expired.</summary>
    public async Task<int> ExpireStaleAsync(CancellationToken ct = default)
    {
        var now = Now;
        var cutoff = now.AddDays(-Options.StaleAfterDays);
        return await db.WriteAsync(async (c, tx) =>
        {
            var expired = 0;
            foreach (var id in (await c.QueryAsync<long>(StaleSql, new { cutoff }, tx)).AsList())
            {
                var request = (await transitions.LockedAsync(c, tx, id))!;
                if (!request.IsPending) continue;
                if (!await TransitionAsync(c, tx, request, RequestState.Expired, null, "system", now, $"No decision within {Options.StaleAfterDays} days")) continue;
                expired++;
                await transitions.EventAsync(c, tx, id, now, "system", RequestActions.Expired, $"No decision within {Options.StaleAfterDays} days ({request.StateLabel.ToLowerInvariant()}).");
                await transitions.DecidedAsync(c, tx, request, RequestState.Expired, "system", $"No decision within {Options.StaleAfterDays} days", now);
                await audit.WriteAsync(c, tx, new AuditEntry
                {
                    At = now, Actor = "system", CustomerId = request.CustomerId, Kind = AuditKinds.RequestExpired, Subject = $"request #{id}",
                    OldValue = request.StateLabel, NewValue = $"Expired: {request.Title}", Reason = $"Pending longer than {Options.StaleAfterDays} days",
                });
                await notifications.NotifyAsync(c, tx, request.CustomerId, request.RequestedByUserId, "request.expired",
                    $"Your request for {request.Title} expired", $"Nobody decided it within {Options.StaleAfterDays} days ({request.StateLabel.ToLowerInvariant()}). You can ask again.",
                    Link(request), now, $"request-{id}-expired");
            }
            return expired;
        }, ct);
    }

    internal const string StaleSql = """
        select Id
          from AccessRequest
         where State = 'Pending' and CreatedAt < @cutoff
         order by Id
        """;
}
