using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Options;
using SelfService.Audit;
using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Data;
using SelfService.Entitlements;
using SelfService.Identity;
using SelfService.Notifications;

namespace SelfService.Requests;

/// <summary>What a customer's user fills in. Field names are the form's, so errors land beside the right field.</summary>
public sealed record RequestDraft
{
    public RequestKind? Kind { get; init; }
    public string? AddOnCode { get; init; }
    public int? Quantity { get; init; }
    public string? PlanCode { get; init; }
    public string? FeatureHandle { get; init; }
    public int? Amount { get; init; }
    public int? DurationDays { get; init; }
    public long? ExtendsGrantId { get; init; }
    public string? Justification { get; init; }
    public bool ConfirmDowngrade { get; init; }
}

/// <summary>A decision on a pending request. Approvals may lower the quantity or shorten the duration.</summary>
public sealed record RequestDecision(bool Approve, string? Reason = null, int? Quantity = null, int? DurationDays = null);

public enum OutcomeStatus { Done, Invalid, NotFound, Forbidden, AlreadyDecided }

/// <summary>The result of a submission or a decision: done (with the request), errors by field, or why nothing happened.</summary>
public sealed record RequestOutcome(OutcomeStatus Status, AccessRequest? Request = null, IReadOnlyDictionary<string, string>? Errors = null, string? Message = null)
{
    public bool Succeeded => Status == OutcomeStatus.Done;
    public static RequestOutcome Invalid(Dictionary<string, string> errors) => new(OutcomeStatus.Invalid, Errors: errors);
    public static readonly RequestOutcome NotFound = new(OutcomeStatus.NotFound);
    public static readonly RequestOutcome Forbidden = new(OutcomeStatus.Forbidden);
}

/// <summary>
/// The request workflow: submit, the customer's step (an Owner or Admin approves a Member's spend), the vendor's
/// step (an Approver, when the add-on, plan or feature requires it), cancellation and expiry. The final approval
/// provisions in the same transaction, and every transition is a conditional update on (state, version), so
/// whatever the concurrency exactly one decision wins and provisioning happens once.
/// </summary>
public sealed class RequestService(
    Db db, EntitlementService entitlements, CatalogStore catalog, PlanChangePreview planPreview, CustomerStore customers,
    AuditLog audit, NotificationService notifications, TimeProvider clock, IOptions<RequestsOptions> options)
{
    public const int MaxJustification = 1000;
    public const int MaxReason = 1000;
    public const int MaxAccessAmount = 1_000_000;

    private RequestsOptions Options => options.Value;
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    // ---- Submit -------------------------------------------------------------------------------------------------

    private sealed record Validated(RequestKind Kind, long? AddOnId, long? PlanId, long? FeatureId, int? Quantity, int? Days,
        long? ExtendsGrantId, bool NeedsVendorApproval, string Justification, string Title);

    public async Task<RequestOutcome> SubmitAsync(string customerKey, RequestActor actor, RequestDraft draft, CancellationToken ct = default)
    {
        if (!Roles.Customer.Contains(actor.Role) || actor.CustomerKey != customerKey) return RequestOutcome.NotFound;
        var account = await entitlements.ForCustomerAsync(customerKey, ct: ct);
        if (account is null) return RequestOutcome.NotFound;
        var snapshot = await catalog.SnapshotAsync(ct);
        var errors = new Dictionary<string, string>();
        var validated = await ValidateAsync(account, snapshot, draft, errors, ct);
        if (validated is null || errors.Count > 0) return RequestOutcome.Invalid(errors);

        var now = Now;
        long id;
        try
        {
            id = await SubmitInTransactionAsync(customerKey, actor, account, validated, now, ct);
        }
        catch (Rollback rollback)
        {
            return rollback.Outcome with { Request = null };
        }
        return new RequestOutcome(OutcomeStatus.Done, await FindAsync(id, ct));
    }

    private Task<long> SubmitInTransactionAsync(string customerKey, RequestActor actor, AccountEntitlements account, Validated validated, DateTime now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var needsCustomer = actor.Role == Roles.Member;
            var id = await c.ExecuteScalarAsync<long>(db.Dialect.InsertReturningId("AccessRequest",
                "CustomerId", "RequestedByUserId", "RequestedBy", "RequesterRole", "Kind", "AddOnId", "PlanId", "FeatureId", "Quantity",
                "DurationDays", "ExtendsGrantId", "Justification", "State", "Step", "NeedsVendorApproval", "Version", "CreatedAt", "UpdatedAt"),
                new
                {
                    CustomerId = account.Customer.Id, RequestedByUserId = actor.UserId, RequestedBy = actor.Email, RequesterRole = actor.Role,
                    Kind = validated.Kind.ToString(), validated.AddOnId, validated.PlanId, validated.FeatureId, validated.Quantity,
                    DurationDays = validated.Days, validated.ExtendsGrantId, validated.Justification, State = nameof(RequestState.Pending),
                    Step = (needsCustomer ? RequestStep.Customer : RequestStep.Vendor).ToString(), validated.NeedsVendorApproval,
                    Version = 1, CreatedAt = now, UpdatedAt = now,
                }, tx);
            await EventAsync(c, tx, id, now, actor.Email, RequestActions.Submitted, validated.Justification);
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = now, Actor = actor.Email, CustomerId = account.Customer.Id, Kind = "request.submitted",
                Subject = $"request #{id}", NewValue = validated.Title, Reason = validated.Justification,
            });

            if (needsCustomer)
            {
                foreach (var approver in await c.QueryAsync<long>(CustomerApproversSql, new { customerId = account.Customer.Id }, tx))
                {
                    await notifications.NotifyAsync(c, tx, account.Customer.Id, approver, "request.needs-approval",
                        $"{actor.Email} asks for {validated.Title}", $"Approve or reject the spend. Why: {validated.Justification}",
                        $"/customers/{customerKey}/requests/{id}", now, $"request-{id}-customer-step-{approver}");
                }
            }
            else if (!validated.NeedsVendorApproval)
            {
                var request = (await LockedAsync(c, tx, id))!;
                var approved = await ApproveFinallyAsync(c, tx, request, actor.Email, RequestActions.ApprovedByPolicy, null, null, null, now);
                if (approved is not { Succeeded: true }) throw new Rollback(approved ?? new RequestOutcome(OutcomeStatus.AlreadyDecided));
            }
            return id;
        }, ct);

    internal const string CustomerApproversSql = """
        select Id
          from AppUser
         where CustomerId = @customerId and Role in ('Owner', 'Admin')
         order by Id
        """;

    private async Task<Validated?> ValidateAsync(AccountEntitlements account, CatalogSnapshot snapshot, RequestDraft d, Dictionary<string, string> errors, CancellationToken ct)
    {
        var justification = d.Justification?.Trim() ?? "";
        if (justification.Length == 0) errors[nameof(d.Justification)] = "Say why you need this: the approvers read it.";
        else if (justification.Length > MaxJustification) errors[nameof(d.Justification)] = $"Keep it under {MaxJustification} characters.";
        if (!account.IsActive) errors[""] = $"The subscription is {account.Subscription.Status.ToString().ToLowerInvariant()}: nothing can be requested on it.";
        var family = account.Plan.Family;

        switch (d.Kind)
        {
            case RequestKind.AddOn:
            {
                var addOn = snapshot.CurrentAddOns.FirstOrDefault(a => a.Code == d.AddOnCode?.Trim() && a.Family == family);
                if (addOn is null)
                {
                    errors[nameof(d.AddOnCode)] = string.IsNullOrWhiteSpace(d.AddOnCode) ? "Choose an add-on." : $"There is no add-on \"{d.AddOnCode}\" for the {account.Plan.Name} plan.";
                    return null;
                }
                var held = account.AddOns.Where(a => a.AddOn.Code == addOn.Code).Sum(a => a.Quantity);
                var room = addOn.MaxQuantity - held;
                if (d.Quantity is null or <= 0) errors[nameof(d.Quantity)] = "Enter how many to add: at least 1.";
                else if (room <= 0) errors[nameof(d.Quantity)] = $"You already have the most {addOn.Name} allows ({addOn.MaxQuantity}).";
                else if (d.Quantity > room)
                    errors[nameof(d.Quantity)] = $"{addOn.Name} allows at most {addOn.MaxQuantity} in total; you have {held}, so you can add up to {room}.";
                return new Validated(RequestKind.AddOn, addOn.Id, null, null, d.Quantity, null, null, addOn.RequiresApproval, justification,
                    $"{addOn.Name} × {d.Quantity}");
            }
            case RequestKind.Plan:
            {
                var plan = snapshot.CurrentPlans.FirstOrDefault(p => p.Code == d.PlanCode?.Trim() && p.Family == family);
                if (plan is null)
                {
                    errors[nameof(d.PlanCode)] = string.IsNullOrWhiteSpace(d.PlanCode) ? "Choose a plan." : $"There is no plan \"{d.PlanCode}\" you can move to.";
                    return null;
                }
                if (plan.Code == account.Plan.Code)
                {
                    errors[nameof(d.PlanCode)] = $"You are already on {plan.Name}.";
                    return null;
                }
                var preview = PlanChangePreview.Preview(account, snapshot, plan, await planPreview.CurrentUsageAsync(account, ct));
                if (preview.Lowered.Any() && !d.ConfirmDowngrade)
                    errors[nameof(d.ConfirmDowngrade)] = $"{plan.Name} lowers what you have: read the preview and confirm.";
                return new Validated(RequestKind.Plan, null, plan.Id, null, null, null, null, plan.RequiresApproval, justification, $"Plan change to {plan.Name}");
            }
            case RequestKind.Access:
            {
                var feature = snapshot.Features.FirstOrDefault(f => f.Handle == d.FeatureHandle?.Trim());
                if (feature is null || !snapshot.FeaturesOfFamily(family).Contains(feature.Id))
                {
                    errors[nameof(d.FeatureHandle)] = string.IsNullOrWhiteSpace(d.FeatureHandle) ? "Choose a feature." : $"There is no feature \"{d.FeatureHandle}\" on the {account.Plan.Name} plan's family.";
                    return null;
                }
                var current = account.For(feature.Handle);
                int? amount = 1;
                if (feature.Kind == FeatureKind.Boolean)
                {
                    if (current?.Sources.Any(s => s.Kind != SourceKind.Grant || s.ValidUntil is null) == true)
                        errors[nameof(d.FeatureHandle)] = $"You already have {feature.Name} for good.";
                }
                else if (current?.Unlimited == true) errors[nameof(d.FeatureHandle)] = $"You already have unlimited {feature.Name}.";
                else if (d.Amount is null or <= 0) errors[nameof(d.Amount)] = $"Enter how many more {feature.Unit ?? "units"}: at least 1.";
                else if (d.Amount > MaxAccessAmount) errors[nameof(d.Amount)] = $"At most {MaxAccessAmount:#,0}.";
                else amount = d.Amount;

                if (d.DurationDays is null or <= 0) errors[nameof(d.DurationDays)] = "Enter a duration of at least 1 day.";
                else if (d.DurationDays > Options.MaxAccessDays) errors[nameof(d.DurationDays)] = $"Temporary access lasts at most {Options.MaxAccessDays} days; for longer, ask for a plan or an add-on.";

                long? extends = null;
                if (d.ExtendsGrantId is { } grantId)
                {
                    var grant = account.Grants.FirstOrDefault(g => g.Id == grantId && g.FeatureId == feature.Id && g.ValidUntil is not null);
                    if (grant is null) errors[nameof(d.FeatureHandle)] = "The access to extend is not on this subscription.";
                    else extends = grant.Id;
                }
                var needsVendor = !Options.AccessWithoutApproval.Contains(feature.Handle, StringComparer.Ordinal);
                return new Validated(RequestKind.Access, null, null, feature.Id, amount, d.DurationDays, extends, needsVendor, justification,
                    $"{feature.Name} for {d.DurationDays} days");
            }
            default:
                errors[nameof(d.Kind)] = "Choose what to ask for: an add-on, a plan change or temporary access.";
                return null;
        }
    }

    // ---- Decisions ----------------------------------------------------------------------------------------------

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
            var seen = await FindAsync(id, ct);
            if (seen is null || !CanSee(actor, seen)) return RequestOutcome.NotFound;
            if (!MayDecide(actor, seen)) return RequestOutcome.Forbidden;
            return RequestOutcome.Invalid(errors);
        }

        var now = Now;
        var outcome = await db.WriteAsync(async (c, tx) =>
        {
            var request = await LockedAsync(c, tx, id);
            if (request is null || !CanSee(actor, request)) return RequestOutcome.NotFound;
            // A decision that comes too late is told so first, whoever sends it; nothing is revealed that the page does not show.
            if (AlreadyDecided(request, version) is { } already) return already;
            if (!MayDecide(actor, request)) return RequestOutcome.Forbidden;

            if (!decision.Approve)
            {
                if (!await TransitionAsync(c, tx, request, RequestState.Rejected, null, actor.Email, now, reason)) return Lost();
                await EventAsync(c, tx, id, now, actor.Email, RequestActions.Rejected, reason);
                await audit.WriteAsync(c, tx, new AuditEntry
                {
                    At = now, Actor = actor.Email, CustomerId = request.CustomerId, Kind = "request.rejected",
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
                    await EventAsync(c, tx, id, now, actor.Email, RequestActions.ApprovedByCustomer, reason);
                    await audit.WriteAsync(c, tx, new AuditEntry
                    {
                        At = now, Actor = actor.Email, CustomerId = request.CustomerId, Kind = "request.customer-approved",
                        Subject = $"request #{id}", OldValue = "Waiting for an Owner or Admin", NewValue = "Waiting for the vendor",
                        Reason = reason ?? $"Spend approved for {request.Title}",
                    });
                    await notifications.NotifyAsync(c, tx, request.CustomerId, request.RequestedByUserId, "request.customer-approved",
                        $"{actor.Email} approved the spend for {request.Title}", "It now waits for the vendor's approval.",
                        Link(request), now, $"request-{id}-customer-approved");
                    return Done();
                }
                var policy = await ApproveFinallyAsync(c, tx, request, actor.Email, RequestActions.ApprovedByPolicy, null, null, reason, now, customerApproval: true);
                return policy ?? Lost();
            }

            var approved = await ApproveFinallyAsync(c, tx, request, actor.Email, RequestActions.ApprovedByVendor, decision.Quantity, decision.DurationDays, reason, now);
            return approved ?? Lost();
        }, ct);
        return outcome.Succeeded ? outcome with { Request = await FindAsync(id, ct) } : outcome;

        RequestOutcome Done() => new(OutcomeStatus.Done);
        RequestOutcome Lost() => new(OutcomeStatus.AlreadyDecided, Message: "Someone decided this request a moment ago.");
    }

    /// <summary>Cancels a pending request: its requester, or an Owner or Admin of its customer.</summary>
    public async Task<RequestOutcome> CancelAsync(long id, int version, RequestActor actor, CancellationToken ct = default)
    {
        var now = Now;
        var outcome = await db.WriteAsync(async (c, tx) =>
        {
            var request = await LockedAsync(c, tx, id);
            if (request is null || !CanSee(actor, request) || actor.CustomerKey is null) return RequestOutcome.NotFound;
            if (request.RequestedByUserId != actor.UserId && !actor.IsCustomerApprover) return RequestOutcome.Forbidden;
            if (AlreadyDecided(request, version) is { } already) return already;
            if (!await TransitionAsync(c, tx, request, RequestState.Cancelled, null, actor.Email, now, null))
                return new RequestOutcome(OutcomeStatus.AlreadyDecided, Message: "Someone decided this request a moment ago.");
            await EventAsync(c, tx, id, now, actor.Email, RequestActions.Cancelled, null);
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = now, Actor = actor.Email, CustomerId = request.CustomerId, Kind = "request.cancelled",
                Subject = $"request #{id}", OldValue = request.StateLabel, NewValue = $"Cancelled: {request.Title}",
            });
            if (request.RequestedByUserId != actor.UserId)
            {
                await notifications.NotifyAsync(c, tx, request.CustomerId, request.RequestedByUserId, "request.cancelled",
                    $"{actor.Email} cancelled your request for {request.Title}", "", Link(request), now, $"request-{id}-cancelled");
            }
            return new RequestOutcome(OutcomeStatus.Done);
        }, ct);
        return outcome.Succeeded ? outcome with { Request = await FindAsync(id, ct) } : outcome;
    }

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
                var request = (await LockedAsync(c, tx, id))!;
                if (!request.IsPending) continue;
                if (!await TransitionAsync(c, tx, request, RequestState.Expired, null, "system", now, $"No decision within {Options.StaleAfterDays} days")) continue;
                expired++;
                await EventAsync(c, tx, id, now, "system", RequestActions.Expired, $"No decision within {Options.StaleAfterDays} days ({request.StateLabel.ToLowerInvariant()}).");
                await audit.WriteAsync(c, tx, new AuditEntry
                {
                    At = now, Actor = "system", CustomerId = request.CustomerId, Kind = "request.expired", Subject = $"request #{id}",
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

    public async Task<AccessRequest?> FindAsync(long id, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<AccessRequest>(new CommandDefinition(RequestStore.ByIdSql, new { id }, cancellationToken: ct));
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

    private static RequestOutcome? AlreadyDecided(AccessRequest request, int version)
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
    private static async Task<bool> TransitionAsync(DbConnection c, DbTransaction tx, AccessRequest request, RequestState state, RequestStep? step,
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

    private Task EventAsync(DbConnection c, DbTransaction tx, long requestId, DateTime at, string actor, string action, string? note) =>
        c.ExecuteAsync(db.Dialect.InsertReturningId("AccessRequestEvent", "RequestId", "At", "Actor", "Action", "Note"),
            new { RequestId = requestId, At = at, Actor = actor, Action = action, Note = note }, tx);

    private static string Link(AccessRequest request) => $"/customers/{request.CustomerKey}/requests/{request.Id}";

    // ---- Provisioning -------------------------------------------------------------------------------------------

    internal const string SubscriptionSql = """
        select Id, CustomerId, PlanId, Status, BillingAnchorDay, StartedAt
          from Subscription
         where CustomerId = @customerId
        """;

    internal const string HeldQuantitySql = """
        select coalesce(sum(sa.Quantity), 0)
          from SubscriptionAddOn sa
          join AddOn a on a.Id = sa.AddOnId
         where sa.SubscriptionId = @subscriptionId and a.Code = (select Code from AddOn where Id = @addOnId)
        """;

    internal string LockedVersionSql => db.Dialect.LockingRows(RequestStore.VersionSql, "AccessRequest");

    /// <summary>Reads a request inside a write transaction, holding its row until the transaction ends.</summary>
    private async Task<AccessRequest?> LockedAsync(DbConnection c, DbTransaction tx, long id)
    {
        await c.ExecuteScalarAsync<int?>(LockedVersionSql, new { id }, tx);
        return await c.QuerySingleOrDefaultAsync<AccessRequest>(RequestStore.ByIdSql, new { id }, tx);
    }

    internal string SubscriptionForUpdateSql => db.Dialect.LockingRows(SubscriptionSql, "Subscription");

    internal const string AddOnSql = "select Id, Code, Version, Family, Name, MaxQuantity, RequiresApproval from AddOn where Id = @id";

    internal const string PlanSql = "select Id, Code, Version, Family, Name, MonthlyPriceCents, RequiresApproval from PricePlan where Id = @id";

    internal const string FeatureSql = "select Id, Handle, Name, Kind, Unit, Aggregation from Feature where Id = @id";

    internal const string GrantSql = """
        select Id, SubscriptionId, FeatureId, Amount, IsUnlimited, Reason, GrantedBy, ValidFrom, ValidUntil, CreatedAt, RevokedAt
          from EntitlementGrant
         where Id = @id
        """;

    internal const string SetPlanSql = "update Subscription set PlanId = @planId, UpdatedAt = @now where Id = @id";

    /// <summary>
    /// The final approval: validates what would be provisioned against the subscription as it is now (inside the
    /// transaction), then moves the request to Approved and provisions. Null when another decision won the race;
    /// an Invalid outcome (and no change) when the approved quantity or duration does not fit.
    /// </summary>
    private async Task<RequestOutcome?> ApproveFinallyAsync(DbConnection c, DbTransaction tx, AccessRequest request, string actor, string action,
        int? quantity, int? days, string? note, DateTime now, bool customerApproval = false)
    {
        var errors = new Dictionary<string, string>();
        var subscription = await c.QuerySingleAsync<Subscription>(
            SubscriptionForUpdateSql,
            new { customerId = request.CustomerId }, tx);
        if (subscription.Status != SubscriptionStatus.Active)
            errors[""] = $"The subscription is {subscription.Status.ToString().ToLowerInvariant()}: nothing can be provisioned on it.";

        int? approvedQuantity = null, approvedDays = null;
        if (request.Kind is RequestKind.AddOn || request.Kind is RequestKind.Access && request.FeatureKind != nameof(FeatureKind.Boolean))
        {
            approvedQuantity = quantity ?? request.Quantity;
            if (approvedQuantity is null or <= 0) errors["Quantity"] = "Approve at least 1.";
            else if (approvedQuantity > request.Quantity) errors["Quantity"] = $"You can lower the quantity, not raise it: at most {request.Quantity}.";
        }
        if (request.Kind is RequestKind.Access)
        {
            approvedDays = days ?? request.DurationDays;
            if (approvedDays is null or <= 0) errors["DurationDays"] = "Approve at least 1 day.";
            else if (approvedDays > request.DurationDays) errors["DurationDays"] = $"You can shorten the duration, not lengthen it: at most {request.DurationDays} days.";
        }

        AddOn? addOn = null;
        var held = 0;
        if (request.Kind is RequestKind.AddOn && errors.Count == 0)
        {
            addOn = await c.QuerySingleAsync<AddOn>(AddOnSql, new { id = request.AddOnId }, tx);
            held = await c.ExecuteScalarAsync<int>(HeldQuantitySql, new { subscriptionId = subscription.Id, addOnId = addOn.Id }, tx);
            if (held + approvedQuantity > addOn.MaxQuantity)
                errors["Quantity"] = $"{addOn.Name} allows at most {addOn.MaxQuantity}; the customer has {held} now, so at most {Math.Max(0, addOn.MaxQuantity - held)} can be approved.";
        }
        if (errors.Count > 0) return new RequestOutcome(OutcomeStatus.Invalid, request, errors);

        long? grantId = null;
        EntitlementGrant? extends = request.ExtendsGrantId is { } e ? await c.QuerySingleOrDefaultAsync<EntitlementGrant>(GrantSql, new { id = e }, tx) : null;
        Feature? feature = request.FeatureId is { } fid ? await c.QuerySingleAsync<Feature>(FeatureSql, new { id = fid }, tx) : null;
        if (request.Kind is RequestKind.Access)
        {
            var from = RequestImpact.AccessStart(now, extends);
            grantId = await customers.AddGrantAsync(c, tx, new EntitlementGrant
            {
                SubscriptionId = subscription.Id, FeatureId = feature!.Id, Amount = approvedQuantity ?? 1, IsUnlimited = false,
                Reason = Truncate($"Request #{request.Id}: {request.Justification}", 500), GrantedBy = actor,
                ValidFrom = from, ValidUntil = from.AddDays(approvedDays!.Value), CreatedAt = now,
            });
        }

        if (!await TransitionAsync(c, tx, request, RequestState.Approved, null, actor, now, note, approvedQuantity, approvedDays, grantId))
        {
            if (grantId is not null) throw new InvalidOperationException("A request changed inside its own locked transaction.");
            return null;
        }
        var approved = request with { State = RequestState.Approved, ApprovedQuantity = approvedQuantity, ApprovedDurationDays = approvedDays };
        if (customerApproval) await EventAsync(c, tx, request.Id, now, actor, RequestActions.ApprovedByCustomer, note);
        await EventAsync(c, tx, request.Id, now, action == RequestActions.ApprovedByPolicy ? "policy" : actor, action, note);
        await audit.WriteAsync(c, tx, new AuditEntry
        {
            At = now, Actor = actor, CustomerId = request.CustomerId,
            Kind = action == RequestActions.ApprovedByPolicy ? "request.approved-by-policy" : "request.approved",
            Subject = $"request #{request.Id}", OldValue = request.StateLabel, NewValue = $"Approved: {approved.Title}",
            Reason = note ?? (action == RequestActions.ApprovedByPolicy ? "No approval needed by policy" : null),
        });

        // Provisioning, in the same transaction as the decision.
        string provisioned;
        switch (request.Kind)
        {
            case RequestKind.AddOn:
                await c.ExecuteAsync(db.Dialect.Upsert("SubscriptionAddOn", ["SubscriptionId", "AddOnId", "Quantity"], ["SubscriptionId", "AddOnId"],
                    s => $"Quantity = t.Quantity + {s("Quantity")}"), new { SubscriptionId = subscription.Id, AddOnId = addOn!.Id, Quantity = approvedQuantity }, tx);
                provisioned = $"{addOn.Name} × {held} → × {held + approvedQuantity}";
                await audit.WriteAsync(c, tx, new AuditEntry
                {
                    At = now, Actor = actor, CustomerId = request.CustomerId, Kind = "subscription.addon-changed", Subject = $"add-on {addOn.Code}",
                    OldValue = $"× {held}", NewValue = $"× {held + approvedQuantity}", Reason = $"Request #{request.Id}",
                });
                break;
            case RequestKind.Plan:
                var from = await c.QuerySingleAsync<PricePlan>(PlanSql, new { id = subscription.PlanId }, tx);
                var to = await c.QuerySingleAsync<PricePlan>(PlanSql, new { id = request.PlanId }, tx);
                await c.ExecuteAsync(SetPlanSql, new { id = subscription.Id, planId = to.Id, now }, tx);
                provisioned = $"Plan {from.Name} → {to.Name}";
                await audit.WriteAsync(c, tx, new AuditEntry
                {
                    At = now, Actor = actor, CustomerId = request.CustomerId, Kind = "subscription.plan-changed", Subject = "plan",
                    OldValue = $"{from.Name} ({from.Code} v{from.Version})", NewValue = $"{to.Name} ({to.Code} v{to.Version})", Reason = $"Request #{request.Id}",
                });
                break;
            default:
                var grant = await c.QuerySingleAsync<EntitlementGrant>(GrantSql, new { id = grantId }, tx);
                var value = feature!.Kind == FeatureKind.Boolean ? "Included" : EntitlementFormat.Quantity(feature, grant.Amount ?? 0);
                provisioned = $"{feature.Name}: {value} from {EntitlementFormat.Date(grant.ValidFrom!.Value)} until {EntitlementFormat.Date(grant.ValidUntil!.Value)}";
                await audit.WriteAsync(c, tx, new AuditEntry
                {
                    At = now, Actor = actor, CustomerId = request.CustomerId, Kind = "grant.added", Subject = $"grant #{grantId} {feature.Handle}",
                    NewValue = $"{value} [{EntitlementFormat.Date(grant.ValidFrom!.Value)}, {EntitlementFormat.Date(grant.ValidUntil!.Value)})",
                    Reason = $"Request #{request.Id}",
                });
                break;
        }
        await EventAsync(c, tx, request.Id, now, actor, RequestActions.Provisioned, provisioned);
        await notifications.NotifyAsync(c, tx, request.CustomerId, null, "request.approved", $"Approved: {approved.Title}",
            $"{provisioned}. {(action == RequestActions.ApprovedByPolicy ? "No approval was needed." : $"Approved by {actor}.")}",
            Link(request), now, $"request-{request.Id}-decided");
        return new RequestOutcome(OutcomeStatus.Done, approved);
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    /// <summary>Thrown inside a write transaction to undo it; its outcome is what the caller is told.</summary>
    private sealed class Rollback(RequestOutcome outcome) : Exception("rolled back")
    {
        public RequestOutcome Outcome { get; } = outcome;
    }
}
