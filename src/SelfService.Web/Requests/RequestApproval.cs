using System.Data.Common;
using Dapper;
using SelfService.Audit;
using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Entitlements;
using SelfService.Notifications;
using static SelfService.Requests.RequestTransitions;

namespace SelfService.Requests;

/// <summary>
/// The final approval of a request, whoever gives it (policy, the customer's Owner or Admin, the vendor's Approver):
/// checks what would be provisioned against the subscription as it is now, moves the request to Approved and
/// provisions it through <see cref="SubscriptionChanges"/>, all in the caller's transaction.
/// </summary>
public sealed class RequestApproval(RequestTransitions transitions, SubscriptionChanges changes, AuditLog audit, NotificationService notifications)
{
    internal const string HeldQuantitySql = """
        select coalesce(sum(sa.Quantity), 0)
          from SubscriptionAddOn sa
          join AddOn a on a.Id = sa.AddOnId
         where sa.SubscriptionId = @subscriptionId and a.Code = (select Code from AddOn where Id = @addOnId)
        """;

    internal const string AddOnSql = "select Id, Code, Version, Family, Name, MaxQuantity, RequiresApproval from AddOn where Id = @id";

    internal const string PlanSql = "select Id, Code, Version, Family, Name, MonthlyPriceCents, RequiresApproval from PricePlan where Id = @id";

    internal const string FeatureSql = "select Id, Handle, Name, Kind, Unit, Aggregation from Feature where Id = @id";

    internal const string GrantSql = """
        select Id, SubscriptionId, FeatureId, Amount, IsUnlimited, Reason, GrantedBy, ValidFrom, ValidUntil, CreatedAt, RevokedAt
          from EntitlementGrant
         where Id = @id
        """;

    /// <summary>
    /// Approves <paramref name="request"/> finally. Null when another decision won the race; an Invalid outcome (and no
    /// change) when the approved quantity or duration does not fit the subscription as it is now.
    /// </summary>
    public async Task<RequestOutcome?> ApproveAsync(DbConnection c, DbTransaction tx, CustomerRequest request, string actor, string action,
        int? quantity, int? days, string? note, DateTime now, bool customerApproval = false)
    {
        var errors = new Dictionary<string, string>();
        var subscription = await changes.LockAsync(c, tx, request.CustomerId)
            ?? throw new InvalidOperationException($"Request #{request.Id}'s customer has no subscription.");
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

        var by = new ChangeBy(actor, now, $"Request #{request.Id}");
        long? grantId = null;
        EntitlementGrant? extends = request.ExtendsGrantId is { } e ? await c.QuerySingleOrDefaultAsync<EntitlementGrant>(GrantSql, new { id = e }, tx) : null;
        Feature? feature = request.FeatureId is { } fid ? await c.QuerySingleAsync<Feature>(FeatureSql, new { id = fid }, tx) : null;
        EntitlementGrant? grant = null;
        if (request.Kind is RequestKind.Access)
        {
            // An extension starts where the grant it extends ends.
            var from = RequestImpact.AccessStart(now, extends);
            grant = new EntitlementGrant
            {
                Amount = approvedQuantity ?? 1, IsUnlimited = false, Reason = Truncate($"Request #{request.Id}: {request.Justification}", 500), GrantedBy = actor,
                ValidFrom = from, ValidUntil = from.AddDays(approvedDays!.Value), Regions = request.Regions,
            };
            grantId = (await changes.AddGrantAsync(c, tx, subscription, feature!, grant, by)).GrantId;
        }

        if (!await TransitionAsync(c, tx, request, RequestState.Approved, null, actor, now, note, approvedQuantity, approvedDays, grantId))
        {
            if (grantId is not null) throw new InvalidOperationException("A request changed inside its own locked transaction.");
            return null;
        }
        var approved = request with { State = RequestState.Approved, ApprovedQuantity = approvedQuantity, ApprovedDurationDays = approvedDays, ProvisionedGrantId = grantId };
        if (customerApproval) await transitions.EventAsync(c, tx, request.Id, now, actor, RequestActions.ApprovedByCustomer, note);
        await transitions.EventAsync(c, tx, request.Id, now, action == RequestActions.ApprovedByPolicy ? "policy" : actor, action, note);
        await audit.WriteAsync(c, tx, new AuditEntry
        {
            At = now, Actor = actor, CustomerId = request.CustomerId,
            Kind = action == RequestActions.ApprovedByPolicy ? AuditKinds.RequestApprovedByPolicy : AuditKinds.RequestApproved,
            Subject = $"request #{request.Id}", OldValue = request.StateLabel, NewValue = $"Approved: {approved.Title}",
            Reason = note ?? (action == RequestActions.ApprovedByPolicy ? "No approval needed by policy" : null),
        });

        // Provisioning, in the same transaction as the decision.
        string provisioned;
        switch (request.Kind)
        {
            case RequestKind.AddOn:
                await changes.AddAddOnQuantityAsync(c, tx, subscription, addOn!, approvedQuantity!.Value, by);
                provisioned = $"{addOn!.Name} × {held} → × {held + approvedQuantity}";
                break;
            case RequestKind.Plan:
                // The plan in force: a scheduled change whose instant has come counts, as it does for entitlements.
                var due = await changes.PendingAsync(c, tx, subscription.Id) is { } p && p.EffectiveAt <= now ? p.ToPlanId : subscription.PlanId;
                var from = await c.QuerySingleAsync<PricePlan>(PlanSql, new { id = due }, tx);
                var to = await c.QuerySingleAsync<PricePlan>(PlanSql, new { id = request.PlanId }, tx);
                if (PlanChanges.IsDowngrade(from, to))
                {
                    // A downgrade waits for the end of the period the customer has paid for; upgrades apply at once.
                    var at = DowngradeInstant(now, subscription.BillingAnchorDay);
                    await changes.SchedulePlanChangeAsync(c, tx, subscription, to, at, by, request.Id);
                    provisioned = $"Plan {from.Name} → {to.Name}, scheduled for {EntitlementFormat.Date(at)}";
                }
                else
                {
                    await changes.ChangePlanAsync(c, tx, subscription, from, to, by);
                    provisioned = $"Plan {from.Name} → {to.Name}";
                }
                break;
            default:
                var value = feature!.Kind == FeatureKind.Boolean ? "Included" : EntitlementFormat.Quantity(feature, grant!.Amount ?? 0);
                provisioned = $"{feature.Name}: {value} from {EntitlementFormat.Date(grant!.ValidFrom!.Value)} until {EntitlementFormat.Date(grant.ValidUntil!.Value)}";
                break;
        }
        await transitions.EventAsync(c, tx, request.Id, now, actor, RequestActions.Provisioned, provisioned);
        await transitions.DecidedAsync(c, tx, approved, RequestState.Approved, action == RequestActions.ApprovedByPolicy ? "policy" : actor, note, now);
        await notifications.NotifyAsync(c, tx, request.CustomerId, null, "request.approved", $"Approved: {approved.Title}",
            $"{provisioned}. {(action == RequestActions.ApprovedByPolicy ? "No approval was needed." : $"Approved by {actor}.")}",
            Link(request), now, $"request-{request.Id}-decided");
        return new RequestOutcome(OutcomeStatus.Done, approved);
    }

    /// <summary>When a downgrade approved at <paramref name="now"/> takes effect: the end of the current billing period.</summary>
    public static DateTime DowngradeInstant(DateTime now, int anchorDay) => SelfService.Metering.UsagePeriod.Containing(now, anchorDay).End;

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
