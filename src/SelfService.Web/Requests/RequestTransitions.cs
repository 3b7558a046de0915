using System.Data.Common;
using Dapper;
using SelfService.Data;
using SelfService.Entitlements;
using SelfService.Events;
using SelfService.Identity;
using SelfService.Mail;

namespace SelfService.Requests;

/// <summary>
/// What every step of the request workflow shares: who may see and decide a request, the one conditional update that
/// moves a request's state, and its history events. Every transition is a conditional update on (state, version), so
/// whatever the concurrency exactly one decision wins.
/// </summary>
public sealed class RequestTransitions(Db db, OutboundEvents events, Mailer mailer, MailChoices choices, PublicUrl publicUrl)
{
    public const string DecidedMailKind = "request-decided";

    internal const string RequesterSql = "select Email, DisplayName from AppUser where Id = @id and RemovedAt is null";

    public async Task<AccessRequest?> FindAsync(long id, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<AccessRequest>(new CommandDefinition(RequestStore.ByIdSql, new { id }, cancellationToken: ct));
    }

    internal string LockedVersionSql => db.Dialect.LockingRows(RequestStore.VersionSql, "AccessRequest");

    /// <summary>Reads a request inside a write transaction, holding its row until the transaction ends.</summary>
    public async Task<AccessRequest?> LockedAsync(DbConnection c, DbTransaction tx, long id)
    {
        await c.ExecuteScalarAsync<int?>(LockedVersionSql, new { id }, tx);
        return await c.QuerySingleOrDefaultAsync<AccessRequest>(RequestStore.ByIdSql, new { id }, tx);
    }

    /// <summary>A customer's users see their own customer's requests; the vendor's staff see every request.</summary>
    public static bool CanSee(RequestActor actor, AccessRequest request) =>
        Roles.Vendor.Contains(actor.Role) || actor.CustomerKey is not null && actor.CustomerKey == request.CustomerKey;

    /// <summary>Whether <paramref name="actor"/> decides the step <paramref name="request"/> waits on (or would, were it pending).</summary>
    public static bool MayDecide(RequestActor actor, AccessRequest request) => request.Step switch
    {
        RequestStep.Customer => actor.IsCustomerApprover && actor.CustomerKey == request.CustomerKey,
        RequestStep.Vendor => actor.IsVendorApprover,
        _ => actor.IsVendorApprover || actor.IsCustomerApprover && actor.CustomerKey == request.CustomerKey,
    };

    public static RequestOutcome? AlreadyDecided(AccessRequest request, int version)
    {
        if (!request.IsPending)
        {
            var by = request.DecidedBy is { } who ? $" by {who}" : "";
            var when = request.DecidedAt is { } at ? $" on {EntitlementFormat.Date(at)}" : "";
            return new RequestOutcome(OutcomeStatus.AlreadyDecided, request,
                Message: $"This request was already decided: {request.State.ToString().ToLowerInvariant()}{by}{when}.");
        }
        if (request.Version != version)
            return new RequestOutcome(OutcomeStatus.AlreadyDecided, request,
                Message: $"This request changed since you opened it: it is now {request.StateLabel.ToLowerInvariant()}.");
        return null;
    }

    internal const string TransitionSql = """
        update AccessRequest
           set State = @state, Step = @step, DecidedAt = @decidedAt, DecidedBy = @decidedBy, DecisionReason = @reason,
               ApprovedQuantity = @approvedQuantity, ApprovedDurationDays = @approvedDays, ProvisionedGrantId = @grantId,
               Version = Version + 1, UpdatedAt = @now
         where Id = @id and Version = @version and State = 'Pending'
        """;

    /// <summary>The one way a request changes state: only from Pending at the version read, so a second decider changes nothing.</summary>
    public static async Task<bool> TransitionAsync(DbConnection c, DbTransaction tx, AccessRequest request, RequestState state, RequestStep? step,
        string? decidedBy, DateTime now, string? reason, int? approvedQuantity = null, int? approvedDays = null, long? grantId = null)
    {
        var final = state != RequestState.Pending;
        var rows = await c.ExecuteAsync(TransitionSql, new
        {
            id = request.Id, version = request.Version, state = state.ToString(), step = step?.ToString(),
            decidedAt = final ? now : (DateTime?)null, decidedBy = final ? decidedBy : null, reason = final ? reason : null,
            approvedQuantity, approvedDays, grantId, now,
        }, tx);
        return rows == 1;
    }

    internal string InsertEventSql => db.Dialect.InsertReturningId("AccessRequestEvent", "RequestId", "At", "Actor", "Action", "Note");

    public Task EventAsync(DbConnection c, DbTransaction tx, long requestId, DateTime at, string actor, string action, string? note) =>
        c.ExecuteAsync(InsertEventSql,
            new { RequestId = requestId, At = at, Actor = actor, Action = action, Note = note }, tx);

    /// <summary>The <c>kind</c> of the request events: <c>add-on</c>, <c>plan</c> or <c>access</c>.</summary>
    public static string EventKind(RequestKind kind) => kind switch { RequestKind.AddOn => "add-on", RequestKind.Plan => "plan", _ => "access" };

    /// <summary><c>request.submitted</c>, in the submission's transaction.</summary>
    public Task SubmittedAsync(DbConnection c, DbTransaction tx, AccessRequest r, DateTime now) =>
        events.EmitAsync(c, tx, EventTypes.RequestSubmitted, r.CustomerId, new
        {
            customer = r.CustomerKey, requestId = r.Id, kind = EventKind(r.Kind), item = r.TargetCode, quantity = r.Quantity,
            durationDays = r.DurationDays, requestedBy = r.RequestedBy, justification = r.Justification,
        }, now);

    /// <summary>
    /// <c>request.decided</c>, in the transaction of the final decision (approved, rejected, cancelled or expired), and the
    /// requester's mail about it unless they decided it themselves or turned such mail off.
    /// </summary>
    public async Task DecidedAsync(DbConnection c, DbTransaction tx, AccessRequest r, RequestState decision, string decidedBy, string? reason, DateTime now)
    {
        await events.EmitAsync(c, tx, EventTypes.RequestDecided, r.CustomerId, new
        {
            customer = r.CustomerKey, requestId = r.Id, kind = EventKind(r.Kind), item = r.TargetCode,
            decision = decision.ToString().ToLowerInvariant(), decidedBy, reason,
            quantity = r.EffectiveQuantity, durationDays = r.EffectiveDurationDays, grantId = r.ProvisionedGrantId,
        }, now);

        if (decidedBy == r.RequestedBy || decidedBy == "policy") return; // they saw it happen
        var requester = await c.QuerySingleOrDefaultAsync<(string Email, string DisplayName)?>(RequesterSql, new { id = r.RequestedByUserId }, tx);
        if (requester is not { } to || !await choices.WantsAsync(c, tx, r.RequestedByUserId, MailChoices.Requests)) return;
        var word = decision.ToString();
        var by = decidedBy switch { "system" => "Nobody decided it in time.", _ => $"Decided by {decidedBy}." };
        await mailer.QueueAsync(c, tx, choices.WithUnsubscribe(MailDraft.Compose(DecidedMailKind, to.Email, to.DisplayName, $"{word}: {r.Title}",
            [$"Hello {to.DisplayName},", $"Your request #{r.Id} for {r.Title} was {word.ToLowerInvariant()}. {by}", .. reason is { Length: > 0 } ? new[] { $"Reason: {reason}" } : []],
            ("Open the request", publicUrl.Link(Link(r)))), r.RequestedByUserId, MailChoices.Requests));
    }

    public static string Link(AccessRequest request) => $"/customers/{request.CustomerKey}/requests/{request.Id}";
}
