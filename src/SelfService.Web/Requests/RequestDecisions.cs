using SelfService.Audit;
using SelfService.Data;
using SelfService.Notifications;
using static SelfService.Requests.RequestTransitions;

namespace SelfService.Requests;

/// <summary>
/// Decides the step a request waits on: the customer's (an Owner or Admin approves a Member's spend) or the vendor's
/// (an Approver, when the add-on, plan or feature requires it). The final approval provisions in the same transaction.
/// </summary>
public sealed class RequestDecisions(Db db, RequestTransitions transitions, RequestApproval approval, AuditLog audit, NotificationService notifications, TimeProvider clock)
{
    public const int MaxReason = 1000;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Decides the step a request waits on, as <paramref name="actor"/>: an Owner or Admin of the request's customer at the
    /// customer's step, an Approver at the vendor's. <paramref name="version"/> is the version the decider saw: a stale or
    /// repeated decision changes nothing and answers <see cref="OutcomeStatus.AlreadyDecided"/>.
    /// </summary>
    public async Task<RequestOutcome> DecideAsync(long id, int version, RequestActor actor, RequestDecision decision, CancellationToken ct = default)
    {
        var reason = decision.Reason?.Trim();
        var errors = new Dictionary<string, string>();
        if (!decision.Approve && string.IsNullOrEmpty(reason)) errors["Reason"] = "Give a reason: the customer sees it.";
        if (reason?.Length > MaxReason) errors["Reason"] = $"Keep it under {MaxReason} characters.";
        if (errors.Count > 0)
        {
            // Authorization before validation: nobody learns about a request they may not decide.
            var seen = await transitions.FindAsync(id, ct);
            if (seen is null || !CanSee(actor, seen)) return RequestOutcome.NotFound;
            if (!MayDecide(actor, seen)) return RequestOutcome.Forbidden;
            return RequestOutcome.Invalid(errors);
        }

        var now = Now;
        var outcome = await db.WriteAsync(async (c, tx) =>
        {
            var request = await transitions.LockedAsync(c, tx, id);
            if (request is null || !CanSee(actor, request)) return RequestOutcome.NotFound;
            // A decision that comes too late is told so first, whoever sends it; nothing is revealed that the page does not show.
            if (AlreadyDecided(request, version) is { } already) return already;
            if (!MayDecide(actor, request)) return RequestOutcome.Forbidden;

            if (!decision.Approve)
            {
                if (!await TransitionAsync(c, tx, request, RequestState.Rejected, null, actor.Email, now, reason)) return Lost();
                await transitions.EventAsync(c, tx, id, now, actor.Email, RequestActions.Rejected, reason);
                await transitions.DecidedAsync(c, tx, request, RequestState.Rejected, actor.Email, reason, now);
                await audit.WriteAsync(c, tx, new AuditEntry
                {
                    At = now, Actor = actor.Email, CustomerId = request.CustomerId, Kind = AuditKinds.RequestRejected,
                    Subject = $"request #{id}", OldValue = request.StateLabel, NewValue = $"Rejected: {request.Title}", Reason = reason,
                });
                await notifications.NotifyAsync(c, tx, request.CustomerId, null, "request.rejected", $"Rejected: {request.Title}",
                    $"{(request.Step == RequestStep.Customer ? "Your Owner or Admin" : "The vendor")} rejected request #{id}: {reason}",
                    Link(request), now, $"request-{id}-decided");
                return Done();
            }

            if (request.Step == RequestStep.Customer)
            {
                if (request.NeedsVendorApproval)
                {
                    if (!await TransitionAsync(c, tx, request, RequestState.Pending, RequestStep.Vendor, null, now, null)) return Lost();
                    await transitions.EventAsync(c, tx, id, now, actor.Email, RequestActions.ApprovedByCustomer, reason);
                    await audit.WriteAsync(c, tx, new AuditEntry
                    {
                        At = now, Actor = actor.Email, CustomerId = request.CustomerId, Kind = AuditKinds.RequestCustomerApproved,
                        Subject = $"request #{id}", OldValue = "Waiting for an Owner or Admin", NewValue = "Waiting for the vendor",
                        Reason = reason ?? $"Spend approved for {request.Title}",
                    });
                    await notifications.NotifyAsync(c, tx, request.CustomerId, request.RequestedByUserId, "request.customer-approved",
                        $"{actor.Email} approved the spend for {request.Title}", "It now waits for the vendor's approval.",
                        Link(request), now, $"request-{id}-customer-approved");
                    return Done();
                }
                var policy = await approval.ApproveAsync(c, tx, request, actor.Email, RequestActions.ApprovedByPolicy, null, null, reason, now, customerApproval: true);
                return policy ?? Lost();
            }

            var approved = await approval.ApproveAsync(c, tx, request, actor.Email, RequestActions.ApprovedByVendor, decision.Quantity, decision.DurationDays, reason, now);
            return approved ?? Lost();
        }, ct);
        return outcome.Succeeded ? outcome with { Request = await transitions.FindAsync(id, ct) } : outcome;

        RequestOutcome Done() => new(OutcomeStatus.Done);
        RequestOutcome Lost() => new(OutcomeStatus.AlreadyDecided, Message: "Someone decided this request a moment ago.");
    }
}
