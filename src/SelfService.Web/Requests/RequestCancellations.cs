using SelfService.Audit;
using SelfService.Data;
using SelfService.Notifications;
using static SelfService.Requests.RequestTransitions;

namespace SelfService.Requests;

/// <summary>A pending request withdrawn by its requester, or by an Owner or Admin of its customer.</summary>
public sealed class RequestCancellations(Db db, RequestTransitions transitions, AuditLog audit, NotificationService notifications, TimeProvider clock)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>Cancels a pending request: its requester, or an Owner or Admin of its customer.</summary>
    public async Task<RequestOutcome> CancelAsync(long id, int version, RequestActor actor, CancellationToken ct = default)
    {
        var now = Now;
        var outcome = await db.WriteAsync(async (c, tx) =>
        {
            var request = await transitions.LockedAsync(c, tx, id);
            if (request is null || !CanSee(actor, request) || actor.CustomerKey is null) return RequestOutcome.NotFound;
            if (request.RequestedByUserId != actor.UserId && !actor.IsCustomerApprover) return RequestOutcome.Forbidden;
            if (AlreadyDecided(request, version) is { } already) return already;
            if (!await TransitionAsync(c, tx, request, RequestState.Cancelled, null, actor.Email, now, null))
                return new RequestOutcome(OutcomeStatus.AlreadyDecided, Message: "Someone decided this request a moment ago.");
            await transitions.EventAsync(c, tx, id, now, actor.Email, RequestActions.Cancelled, null);
            await transitions.DecidedAsync(c, tx, request, RequestState.Cancelled, actor.Email, null, now);
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = now, Actor = actor.Email, CustomerId = request.CustomerId, Kind = AuditKinds.RequestCancelled,
                Subject = $"request #{id}", OldValue = request.StateLabel, NewValue = $"Cancelled: {request.Title}",
            });
            if (request.RequestedByUserId != actor.UserId)
            {
                await notifications.NotifyAsync(c, tx, request.CustomerId, request.RequestedByUserId, "request.cancelled",
                    $"{actor.Email} cancelled your request for {request.Title}", "", Link(request), now, $"request-{id}-cancelled");
            }
            return new RequestOutcome(OutcomeStatus.Done);
        }, ct);
        return outcome.Succeeded ? outcome with { Request = await transitions.FindAsync(id, ct) } : outcome;
    }
}
