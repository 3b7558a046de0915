using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Options;
using SelfService.Audit;
using SelfService.Catalog;
using SelfService.Data;
using SelfService.Entitlements;
using SelfService.Identity;
using SelfService.Notifications;
using SelfService.Upgrades;

namespace SelfService.Requests;

/// <summary>
/// A customer's Owner, Admin or Member asks for an add-on, a plan change or temporary access. What is asked for is
/// checked against the account as it is; a Member's request waits for an Owner or Admin, and one that needs no
/// approval by policy is approved and provisioned in the same transaction.
/// </summary>
public sealed class RequestSubmissions(
    Db db, EntitlementService entitlements, CatalogStore catalog, CatalogPolicies policies, PlanChangePreview planPreview, RequestTransitions transitions, RequestApproval approval,
    AuditLog audit, NotificationService notifications, TimeProvider clock, IOptions<RequestsOptions> options)
{
    public const int MaxJustification = 1000;
    public const int MaxAccessAmount = 1_000_000;

    private RequestsOptions Options => options.Value;
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private sealed record Validated(RequestKind Kind, long? AddOnId, long? PlanId, long? FeatureId, int? Quantity, int? Days,
        long? ExtendsGrantId, bool NeedsVendorApproval, string Justification, string Title, string? Regions = null);

    public async Task<RequestOutcome> SubmitAsync(string customerKey, RequestActor actor, RequestDraft draft, CancellationToken ct = default)
    {
        if (!Roles.Customer.Contains(actor.Role) || actor.CustomerKey != customerKey) return RequestOutcome.NotFound;
        var account = await entitlements.ForCustomerAsync(customerKey, ct: ct);
        if (account is null) return RequestOutcome.NotFound;
        // The same form sent again (a retry, a double click) is the request it already made, whatever has happened since.
        var token = RequestDuplicates.Token(draft.SubmissionKey);
        if (token is not null && await RequestDuplicates.SentWithAsync(db, account.Customer.Id, token, ct) is { } sent)
            return new RequestOutcome(OutcomeStatus.Done, sent);
        var snapshot = await catalog.SnapshotAsync(ct);
        var errors = new Dictionary<string, string>();
        var validated = await ValidateAsync(account, snapshot, draft, errors, ct);
        if (validated is null || errors.Count > 0) return RequestOutcome.Invalid(errors);
        var pendingKey = RequestDuplicates.PendingKey(account.Customer.Id, validated.Kind, validated.AddOnId, validated.PlanId, validated.FeatureId,
            validated.Quantity, validated.Days, validated.ExtendsGrantId) + RegionsKey(validated.Regions);
        if (await RequestDuplicates.PendingLikeAsync(db, pendingKey, ct) is { } waiting) return RequestDuplicates.Refused(waiting);

        var now = Now;
        long id;
        try
        {
            id = await SubmitInTransactionAsync(customerKey, actor, account, validated, token, pendingKey, now, ct);
        }
        catch (Rollback rollback)
        {
            return rollback.Outcome with { Request = null };
        }
        catch (DbException e) when (db.Dialect.IsUniqueViolation(e))
        {
            // Another post got there first, at the same instant: its row is the answer.
            if (token is not null && await RequestDuplicates.SentWithAsync(db, account.Customer.Id, token, ct) is { } first)
                return new RequestOutcome(OutcomeStatus.Done, first);
            if (await RequestDuplicates.PendingLikeAsync(db, pendingKey, ct) is { } other) return RequestDuplicates.Refused(other);
            throw;
        }
        return new RequestOutcome(OutcomeStatus.Done, await transitions.FindAsync(id, ct));
    }

    /// <summary>Access asked for other places is another request: a short digest of the rule keeps the key within its column.</summary>
    private static string RegionsKey(string? regions) => regions is null ? ""
        : ":" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(regions)))[..16];

    internal string InsertRequestSql => db.Dialect.InsertReturningId("AccessRequest",
        "CustomerId", "RequestedByUserId", "RequestedBy", "RequesterRole", "Kind", "AddOnId", "PlanId", "FeatureId", "Quantity",
        "DurationDays", "ExtendsGrantId", "Justification", "State", "Step", "NeedsVendorApproval", "Version", "CreatedAt", "UpdatedAt",
        "SubmissionKey", "PendingKey", "Regions");

    private Task<long> SubmitInTransactionAsync(string customerKey, RequestActor actor, AccountEntitlements account, Validated validated,
        string? submissionKey, string pendingKey, DateTime now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var needsCustomer = actor.Role == Roles.Member;
            var id = await c.ExecuteScalarAsync<long>(InsertRequestSql,
                new
                {
                    CustomerId = account.Customer.Id, RequestedByUserId = actor.UserId, RequestedBy = actor.Email, RequesterRole = actor.Role,
                    Kind = validated.Kind.ToString(), validated.AddOnId, validated.PlanId, validated.FeatureId, validated.Quantity,
                    DurationDays = validated.Days, validated.ExtendsGrantId, validated.Justification, State = nameof(RequestState.Pending),
                    Step = (needsCustomer ? RequestStep.Customer : RequestStep.Vendor).ToString(), validated.NeedsVendorApproval,
                    Version = 1, CreatedAt = now, UpdatedAt = now, SubmissionKey = submissionKey, PendingKey = pendingKey, validated.Regions,
                }, tx);
            await transitions.EventAsync(c, tx, id, now, actor.Email, RequestActions.Submitted, validated.Justification);
            await transitions.SubmittedAsync(c, tx, await c.QuerySingleAsync<CustomerRequest>(RequestStore.ByIdSql, new { id }, tx), now);
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = now, Actor = actor.Email, CustomerId = account.Customer.Id, Kind = AuditKinds.RequestSubmitted,
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
                var request = (await transitions.LockedAsync(c, tx, id))!;
                var approved = await approval.ApproveAsync(c, tx, request, actor.Email, RequestActions.ApprovedByPolicy, null, null, null, now);
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
                if (plan.Id == account.Plan.Id) // on a superseded version, its current version is a change like any other
                {
                    errors[nameof(d.PlanCode)] = account.Scheduled is { } pending
                        ? $"You are on {plan.Name} until {EntitlementFormat.Date(pending.Change.EffectiveAt)}: to stay on it, cancel the change to {pending.Plan.Name} on the overview."
                        : $"You are already on {plan.Name}.";
                    return null;
                }
                if (account.Scheduled is { } scheduled && scheduled.Plan.Id == plan.Id)
                {
                    errors[nameof(d.PlanCode)] = $"Your plan already changes to {plan.Name} on {EntitlementFormat.Date(scheduled.Change.EffectiveAt)}.";
                    return null;
                }
                var preview = await planPreview.PreviewAsync(account, snapshot, plan, ct);
                if (preview.Lowered.Any() && !d.ConfirmDowngrade)
                    errors[nameof(d.ConfirmDowngrade)] = $"{plan.Name} lowers what you have: read the preview and confirm.";
                var downgrade = PlanChanges.IsDowngrade(account.Plan, plan);
                var needsVendor = plan.RequiresApproval || downgrade && (await policies.ReadAsync(ct)).DowngradesNeedApproval;
                return new Validated(RequestKind.Plan, null, plan.Id, null, null, null, null, needsVendor, justification, $"Plan change to {plan.Name}");
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
                // Access for an event in another country: only there (the grant it provisions carries the rule).
                var (rule, ruleError) = EntitlementInput.ParseRule(string.IsNullOrWhiteSpace(d.Places) ? null : "only", d.Places, account.Regions.RegionCodes);
                if (ruleError is not null) errors[nameof(d.Places)] = ruleError;
                return new Validated(RequestKind.Access, null, null, feature.Id, amount, d.DurationDays, extends, needsVendor, justification,
                    $"{feature.Name} for {d.DurationDays} days{(rule is null ? "" : " " + account.Regions.Describe(rule))}", rule?.Stored);
            }
            default:
                errors[nameof(d.Kind)] = "Choose what to ask for: an add-on, a plan change or temporary access.";
                return null;
        }
    }

    /// <summary>Thrown inside a write transaction to undo it; its outcome is what the caller is told.</summary>
    private sealed class Rollback(RequestOutcome outcome) : Exception("rolled back")
    {
        public RequestOutcome Outcome { get; } = outcome;
    }
}
