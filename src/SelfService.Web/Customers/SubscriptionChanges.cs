using System.Data.Common;
using System.Globalization;
using Dapper;
using SelfService.Audit;
using SelfService.Catalog;
using SelfService.Data;
using SelfService.Events;

namespace SelfService.Customers;

/// <summary>Who makes a change, at which instant, and why: every change carries it into its audit entry.</summary>
public sealed record ChangeBy(string Actor, DateTime Now, string? Reason);

/// <summary>
/// What one operation changed, as its audit entry states it. <see cref="Before"/> and <see cref="After"/> are the
/// audit entry's old and new values; <see cref="GrantId"/> is set for grant changes.
/// </summary>
public sealed record SubscriptionChange(string Kind, long CustomerId, long SubscriptionId, string Subject, string? Before, string? After, long? GrantId = null);

/// <summary>What revoking a grant did.</summary>
public enum GrantRevocation { NotFound, AlreadyRevoked, Revoked }

/// <summary>
/// The one writer of <c>Subscription</c>, <c>SubscriptionAddOn</c> and <c>EntitlementGrant</c>: every path that changes a
/// subscription (the operators' pages, the CRM's provisioning API, approved requests, the expiry job) calls it. Each
/// operation is one method that runs in the caller's transaction, writes its audit entry there and returns what changed
/// (null when nothing did). The entitlement stamp moves with the rows themselves (the triggers of migration 0008), so
/// a check sees the change the moment the caller commits. Validation of what may be asked for stays with the caller;
/// this class makes the change and records it. Its outbound events go to the outbox in the same transaction:
/// <c>subscription.changed</c> when the plan, status, billing anchor or add-ons moved, <c>entitlements.changed</c> when
/// an effective entitlement did (each before → after, and why), <c>grant.ended</c> when a grant was revoked or expired.
/// </summary>
public sealed class SubscriptionChanges(Db db, AuditLog audit, OutboundEvents events, IAccountStates states)
{
    // ---- Locking and reading inside the caller's transaction -----------------------------------------------------

    internal const string ByKeySql = """
        select Subscription.Id, Subscription.CustomerId, Subscription.PlanId, Subscription.Status, Subscription.BillingAnchorDay, Subscription.StartedAt
          from Subscription
          join Customer c on c.Id = Subscription.CustomerId
         where c.ExternalKey = @customerKey
        """;

    internal const string ByCustomerSql = """
        select Id, CustomerId, PlanId, Status, BillingAnchorDay, StartedAt
          from Subscription
         where CustomerId = @customerId
        """;

    internal const string OnPlanSql = """
        select Id, CustomerId, PlanId, Status, BillingAnchorDay, StartedAt
          from Subscription
         where PlanId = @planId
        """;

    internal string LockedByKeySql => db.Dialect.LockingRows(ByKeySql, "Subscription");
    internal string LockedByCustomerSql => db.Dialect.LockingRows(ByCustomerSql, "Subscription");
    internal string LockedOnPlanSql => db.Dialect.LockingRows(OnPlanSql, "Subscription");

    /// <summary>The customer's subscription, locked for the rest of the transaction; null when it has none.</summary>
    public Task<Subscription?> LockAsync(DbConnection c, DbTransaction tx, string customerKey) =>
        c.QuerySingleOrDefaultAsync<Subscription>(LockedByKeySql, new { customerKey }, tx);

    /// <inheritdoc cref="LockAsync(DbConnection, DbTransaction, string)"/>
    public Task<Subscription?> LockAsync(DbConnection c, DbTransaction tx, long customerId) =>
        c.QuerySingleOrDefaultAsync<Subscription>(LockedByCustomerSql, new { customerId }, tx);

    /// <summary>Every subscription on one plan version, locked.</summary>
    public async Task<IReadOnlyList<Subscription>> LockOnPlanAsync(DbConnection c, DbTransaction tx, long planId) =>
        (await c.QueryAsync<Subscription>(LockedOnPlanSql, new { planId }, tx)).AsList();

    internal const string AddOnsSql = "select SubscriptionId, AddOnId, Quantity from SubscriptionAddOn where SubscriptionId = @id";

    public async Task<IReadOnlyList<SubscriptionAddOn>> AddOnsAsync(DbConnection c, DbTransaction tx, long subscriptionId) =>
        (await c.QueryAsync<SubscriptionAddOn>(AddOnsSql, new { id = subscriptionId }, tx)).AsList();

    // ---- The subscription row ------------------------------------------------------------------------------------

    internal const string UpdateSql = """
        update Subscription
           set PlanId = @planId, Status = @status, BillingAnchorDay = @anchor, UpdatedAt = @now
         where Id = @id
        """;

    /// <summary>Starts a subscription for a customer that has none.</summary>
    public async Task<(Subscription Subscription, SubscriptionChange Change)> CreateAsync(DbConnection c, DbTransaction tx, long customerId,
        PricePlan plan, SubscriptionStatus status, int anchorDay, ChangeBy by)
    {
        var id = await InsertSubscriptionAsync(c, tx, customerId, plan.Id, status, anchorDay, by.Now, by.Now);
        var subscription = new Subscription { Id = id, CustomerId = customerId, PlanId = plan.Id, Status = status, BillingAnchorDay = anchorDay, StartedAt = by.Now };
        var change = await AuditAsync(c, tx, subscription, AuditKinds.SubscriptionCreated, "subscription", by, null,
            $"{Describe(plan)}, {Describe(status)}, billing anchor day {anchorDay}");
        await EmitAsync(c, tx, customerId, null, Why.Plan, by, subscriptionEvent: true);
        return (subscription, change);
    }

    /// <summary>
    /// Moves the subscription to another plan, now: another plan of the family (<c>subscription.plan-changed</c>) or
    /// another version of the same plan (<c>subscription.version-moved</c>). Add-ons and grants stay.
    /// </summary>
    /// <remarks>
    /// A pending scheduled change that is due is applied first (so the history reads in order); one still ahead is
    /// replaced by this change: the customer asked for something newer. <paramref name="from"/> is the plan in force.
    /// </remarks>
    public async Task<SubscriptionChange?> ChangePlanAsync(DbConnection c, DbTransaction tx, Subscription s, PricePlan from, PricePlan to, ChangeBy by)
    {
        s = await ApplyDueAsync(c, tx, s, by);
        if (from.Id != s.PlanId) from = await c.QuerySingleAsync<PricePlan>(PlanSql, new { id = s.PlanId }, tx);
        var before = await states.ReadAsync(c, tx, s.CustomerId, by.Now);
        var replaced = await EndPendingAsync(c, tx, s, ScheduledChangeState.Replaced, by, $"replaced by the change to {Describe(to)}");
        if (from.Id == to.Id)
        {
            if (replaced is not null) await EmitAsync(c, tx, s.CustomerId, before, Why.ScheduledChange, by, subscriptionEvent: true);
            return replaced;
        }
        await UpdateAsync(c, tx, s with { PlanId = to.Id }, by.Now);
        var change = await AuditAsync(c, tx, s, from.Code == to.Code ? AuditKinds.PlanVersionMoved : AuditKinds.PlanChanged, "subscription plan", by,
            Describe(from), Describe(to));
        await EmitAsync(c, tx, s.CustomerId, before, Why.Plan, by, subscriptionEvent: true);
        return change;
    }

    // ---- Scheduled plan changes ----------------------------------------------------------------------------------

    internal const string PendingSql = """
        select Id, SubscriptionId, FromPlanId, ToPlanId, EffectiveAt, State, RequestId, CreatedAt, CreatedBy
          from ScheduledPlanChange
         where SubscriptionId = @subscriptionId and State = 'Pending'
        """;

    internal const string DueSql = """
        select s.CustomerId
          from ScheduledPlanChange sc
          join Subscription s on s.Id = sc.SubscriptionId
         where sc.State = 'Pending' and sc.EffectiveAt <= @now
         order by sc.EffectiveAt, sc.Id
        """;

    internal const string EndScheduledSql = """
        update ScheduledPlanChange
           set State = @state, EndedAt = @now, EndedBy = @actor
         where Id = @id and State = 'Pending'
        """;

    internal string InsertScheduledSql => db.Dialect.InsertReturningId("ScheduledPlanChange",
        "SubscriptionId", "FromPlanId", "ToPlanId", "EffectiveAt", "State", "RequestId", "CreatedAt", "CreatedBy");

    internal const string PlanSql = "select Id, Code, Version, Family, Name, Description, MonthlyPriceCents, RequiresApproval, SupersededById from PricePlan where Id = @id";

    /// <summary>The subscription's pending scheduled plan change, due or not; null when none.</summary>
    public Task<ScheduledPlanChange?> PendingAsync(DbConnection c, DbTransaction tx, long subscriptionId) =>
        c.QuerySingleOrDefaultAsync<ScheduledPlanChange>(PendingSql, new { subscriptionId }, tx);

    /// <summary>The customers whose pending scheduled change is due at <paramref name="now"/>: what the job applies.</summary>
    public async Task<IReadOnlyList<long>> DueCustomersAsync(DbConnection c, DbTransaction? tx, DateTime now) =>
        (await c.QueryAsync<long>(DueSql, new { now }, tx)).AsList();

    /// <summary>
    /// Schedules a move to <paramref name="to"/> at <paramref name="at"/> (a downgrade: the end of the billing period).
    /// A pending change is replaced. The entitlements move at <paramref name="at"/>, with or without the job; the
    /// subscription's plan moves when <see cref="ApplyScheduledAsync"/> runs. Null when <paramref name="to"/> is the
    /// plan in force and nothing was pending.
    /// </summary>
    public async Task<SubscriptionChange?> SchedulePlanChangeAsync(DbConnection c, DbTransaction tx, Subscription s, PricePlan to, DateTime at,
        ChangeBy by, long? requestId = null)
    {
        if (at <= by.Now) throw new ArgumentOutOfRangeException(nameof(at), "A scheduled change is in the future; a change now is ChangePlanAsync.");
        s = await ApplyDueAsync(c, tx, s, by);
        if (s.PlanId == to.Id) return await ChangePlanAsync(c, tx, s, to, to, by); // back to the plan in force: drops what was pending
        var from = await c.QuerySingleAsync<PricePlan>(PlanSql, new { id = s.PlanId }, tx);
        var before = await states.ReadAsync(c, tx, s.CustomerId, by.Now);
        await EndPendingAsync(c, tx, s, ScheduledChangeState.Replaced, by, $"replaced by the change to {Describe(to)}");
        await c.ExecuteScalarAsync<long>(InsertScheduledSql, new
        {
            SubscriptionId = s.Id, FromPlanId = from.Id, ToPlanId = to.Id, EffectiveAt = at, State = nameof(ScheduledChangeState.Pending),
            RequestId = requestId, CreatedAt = by.Now, CreatedBy = by.Actor,
        }, tx);
        var change = await AuditAsync(c, tx, s, AuditKinds.PlanChangeScheduled, "subscription plan", by, Describe(from), $"{Describe(to)} at {Instant(at)}");
        await EmitAsync(c, tx, s.CustomerId, before, Why.ScheduledChange, by, subscriptionEvent: true);
        return change;
    }

    /// <summary>
    /// Cancels the subscription's pending scheduled change while it is still ahead: the plan stays. Null when there is
    /// none (cancelled already, applied, or its instant has come): a second cancel changes nothing.
    /// </summary>
    public async Task<SubscriptionChange?> CancelScheduledChangeAsync(DbConnection c, DbTransaction tx, Subscription s, ChangeBy by)
    {
        var pending = await PendingAsync(c, tx, s.Id);
        if (pending is null || pending.EffectiveAt <= by.Now) return null;
        var before = await states.ReadAsync(c, tx, s.CustomerId, by.Now);
        var change = await EndPendingAsync(c, tx, s, ScheduledChangeState.Cancelled, by, null);
        if (change is not null) await EmitAsync(c, tx, s.CustomerId, before, Why.ScheduledChange, by, subscriptionEvent: true);
        return change;
    }

    /// <summary>
    /// Moves the subscription to its scheduled plan once the change's instant has come: the job's step, and the first
    /// step of any other plan change. Once per change (a conditional update under the subscription's lock): null when
    /// nothing is due or another server applied it. Its events describe the account just before and at the instant.
    /// </summary>
    public async Task<SubscriptionChange?> ApplyScheduledAsync(DbConnection c, DbTransaction tx, Subscription s, ChangeBy by)
    {
        var pending = await PendingAsync(c, tx, s.Id);
        if (pending is null || pending.EffectiveAt > by.Now) return null;
        var at = pending.EffectiveAt;
        var before = await states.ReadAsync(c, tx, s.CustomerId, at.AddTicks(-1));
        if (await c.ExecuteAsync(EndScheduledSql, new { id = pending.Id, state = nameof(ScheduledChangeState.Applied), now = by.Now, actor = by.Actor }, tx) != 1) return null;
        var from = await c.QuerySingleAsync<PricePlan>(PlanSql, new { id = s.PlanId }, tx);
        var to = await c.QuerySingleAsync<PricePlan>(PlanSql, new { id = pending.ToPlanId }, tx);
        await UpdateAsync(c, tx, s with { PlanId = to.Id }, by.Now);
        var applied = by with { Reason = ScheduledChangeReason };
        var change = await AuditAsync(c, tx, s, AuditKinds.ScheduledChangeApplied, "subscription plan", applied, Describe(from), $"{Describe(to)} at {Instant(at)}");
        await EmitAsync(c, tx, s.CustomerId, before, Why.ScheduledChange, applied, subscriptionEvent: true, at: at);
        return change;
    }

    /// <summary>The reason the job's changes carry in their audit entry and events.</summary>
    public const string ScheduledChangeReason = "scheduled change";

    private async Task<Subscription> ApplyDueAsync(DbConnection c, DbTransaction tx, Subscription s, ChangeBy by)
    {
        var pending = await PendingAsync(c, tx, s.Id);
        if (pending is null || pending.EffectiveAt > by.Now) return s;
        await ApplyScheduledAsync(c, tx, s, by with { Actor = "system" });
        return s with { PlanId = pending.ToPlanId };
    }

    private async Task<SubscriptionChange?> EndPendingAsync(DbConnection c, DbTransaction tx, Subscription s, ScheduledChangeState state, ChangeBy by, string? why)
    {
        var pending = await PendingAsync(c, tx, s.Id);
        if (pending is null) return null;
        if (await c.ExecuteAsync(EndScheduledSql, new { id = pending.Id, state = state.ToString(), now = by.Now, actor = by.Actor }, tx) != 1) return null;
        var to = await c.QuerySingleAsync<PricePlan>(PlanSql, new { id = pending.ToPlanId }, tx);
        return await AuditAsync(c, tx, s, AuditKinds.ScheduledChangeCancelled, "subscription plan", why is null ? by : by with { Reason = why },
            $"{Describe(to)} at {Instant(pending.EffectiveAt)}", null);
    }

    private static string Instant(DateTime at) => at.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>Suspends, resumes (back to active) or cancels the subscription.</summary>
    public async Task<SubscriptionChange?> SetStatusAsync(DbConnection c, DbTransaction tx, Subscription s, SubscriptionStatus status, ChangeBy by)
    {
        if (s.Status == status) return null;
        var before = await states.ReadAsync(c, tx, s.CustomerId, by.Now);
        await UpdateAsync(c, tx, s with { Status = status }, by.Now);
        var change = await AuditAsync(c, tx, s, AuditKinds.StatusChanged, "subscription status", by, Describe(s.Status), Describe(status));
        await EmitAsync(c, tx, s.CustomerId, before, Why.Status, by, subscriptionEvent: true);
        return change;
    }

    /// <summary>Moves the day of the month the subscription's usage periods start on.</summary>
    public async Task<SubscriptionChange?> SetBillingAnchorAsync(DbConnection c, DbTransaction tx, Subscription s, int anchorDay, ChangeBy by)
    {
        if (s.BillingAnchorDay == anchorDay) return null;
        var before = await states.ReadAsync(c, tx, s.CustomerId, by.Now);
        await UpdateAsync(c, tx, s with { BillingAnchorDay = anchorDay }, by.Now);
        var change = await AuditAsync(c, tx, s, AuditKinds.AnchorChanged, "subscription billing anchor", by,
            s.BillingAnchorDay.ToString(CultureInfo.InvariantCulture), anchorDay.ToString(CultureInfo.InvariantCulture));
        await EmitAsync(c, tx, s.CustomerId, before, Why.BillingAnchor, by, subscriptionEvent: true);
        return change;
    }

    private Task UpdateAsync(DbConnection c, DbTransaction tx, Subscription s, DateTime now) =>
        c.ExecuteAsync(UpdateSql, new { id = s.Id, planId = s.PlanId, status = s.Status.ToString(), anchor = s.BillingAnchorDay, now }, tx);

    // ---- Add-ons -------------------------------------------------------------------------------------------------

    internal const string AddOnQuantitySql = "select Quantity from SubscriptionAddOn where SubscriptionId = @subscriptionId and AddOnId = @addOnId";
    internal const string UpdateAddOnSql = "update SubscriptionAddOn set Quantity = @quantity where SubscriptionId = @subscriptionId and AddOnId = @addOnId";
    internal const string RemoveAddOnSql = "delete from SubscriptionAddOn where SubscriptionId = @subscriptionId and AddOnId = @addOnId";
    internal const string MoveAddOnSql = "update SubscriptionAddOn set AddOnId = @to where SubscriptionId = @subscriptionId and AddOnId = @from";

    /// <summary>
    /// Sets how many of one add-on version the subscription holds: added from none, changed, or removed at 0.
    /// Limits (the add-on's maximum, the plan's family) are the caller's to check.
    /// </summary>
    public async Task<SubscriptionChange?> SetAddOnQuantityAsync(DbConnection c, DbTransaction tx, Subscription s, AddOn addOn, int quantity, ChangeBy by)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(quantity);
        var had = await c.ExecuteScalarAsync<int?>(AddOnQuantitySql, new { subscriptionId = s.Id, addOnId = addOn.Id }, tx) ?? 0;
        if (had == quantity) return null;
        var before = await states.ReadAsync(c, tx, s.CustomerId, by.Now);
        var args = new { subscriptionId = s.Id, addOnId = addOn.Id, quantity };
        if (had == 0) await InsertAddOnAsync(c, tx, s.Id, addOn.Id, quantity);
        else if (quantity == 0) await c.ExecuteAsync(RemoveAddOnSql, args, tx);
        else await c.ExecuteAsync(UpdateAddOnSql, args, tx);
        var kind = had == 0 ? AuditKinds.AddOnAdded : quantity == 0 ? AuditKinds.AddOnRemoved : AuditKinds.AddOnChanged;
        var change = await AuditAsync(c, tx, s, kind, $"add-on {addOn.Code}", by,
            had == 0 ? null : $"{addOn.Code} ×{had}", quantity == 0 ? null : $"{addOn.Code} ×{quantity}");
        await EmitAsync(c, tx, s.CustomerId, before, Why.AddOn, by, subscriptionEvent: true);
        return change;
    }

    /// <summary>Adds <paramref name="more"/> to how many of one add-on version the subscription holds.</summary>
    public async Task<SubscriptionChange?> AddAddOnQuantityAsync(DbConnection c, DbTransaction tx, Subscription s, AddOn addOn, int more, ChangeBy by)
    {
        var had = await c.ExecuteScalarAsync<int?>(AddOnQuantitySql, new { subscriptionId = s.Id, addOnId = addOn.Id }, tx) ?? 0;
        return await SetAddOnQuantityAsync(c, tx, s, addOn, had + more, by);
    }

    /// <summary>Moves the subscription's add-on from one version to another (a newer one), keeping its quantity.</summary>
    public async Task<SubscriptionChange> MoveAddOnVersionAsync(DbConnection c, DbTransaction tx, Subscription s, AddOn from, AddOn to, ChangeBy by)
    {
        var before = await states.ReadAsync(c, tx, s.CustomerId, by.Now);
        await c.ExecuteAsync(MoveAddOnSql, new { subscriptionId = s.Id, from = from.Id, to = to.Id }, tx);
        var change = await AuditAsync(c, tx, s, AuditKinds.AddOnVersionMoved, $"add-on {from.Code}", by, $"{from.Code} v{from.Version}", $"{to.Code} v{to.Version}");
        await EmitAsync(c, tx, s.CustomerId, before, Why.AddOn, by, subscriptionEvent: true);
        return change;
    }

    // ---- Grants --------------------------------------------------------------------------------------------------

    /// <summary>
    /// Adds a grant to the subscription: <paramref name="grant"/>'s feature, value and window; who granted it and
    /// when come from <paramref name="by"/>. Extending a grant is adding one that starts where the old one ends.
    /// </summary>
    public async Task<SubscriptionChange> AddGrantAsync(DbConnection c, DbTransaction tx, Subscription s, Feature feature, EntitlementGrant grant, ChangeBy by)
    {
        var g = grant with { SubscriptionId = s.Id, FeatureId = feature.Id, GrantedBy = by.Actor, CreatedAt = by.Now };
        var before = await states.ReadAsync(c, tx, s.CustomerId, by.Now);
        var id = await InsertGrantAsync(c, tx, g);
        var change = await AuditAsync(c, tx, s, AuditKinds.GrantAdded, $"grant #{id} {feature.Handle}", by, null, DescribeGrant(feature, g), id);
        await EmitAsync(c, tx, s.CustomerId, before, Why.Grant, by, subscriptionEvent: false);
        return change;
    }

    internal const string GrantOfCustomerSql = """
        select g.Id, g.SubscriptionId, g.FeatureId, g.Amount, g.IsUnlimited, g.Reason, g.GrantedBy, g.ValidFrom, g.ValidUntil, g.CreatedAt, g.RevokedAt,
               g.Regions, f.Handle, f.Kind, s.CustomerId
          from EntitlementGrant g
          join Feature f on f.Id = g.FeatureId
          join Subscription s on s.Id = g.SubscriptionId
          join Customer c on c.Id = s.CustomerId
         where g.Id = @grantId and (@customerKey is null or c.ExternalKey = @customerKey)
        """;

    internal const string RevokeGrantSql = """
        update EntitlementGrant
           set RevokedAt = @now, RevokedBy = @actor
         where Id = @id and RevokedAt is null
        """;

    /// <summary>Ends one of the customer's grants now; the grant stays in the history. Revoking twice changes nothing.</summary>
    public async Task<(GrantRevocation Result, SubscriptionChange? Change)> RevokeGrantAsync(DbConnection c, DbTransaction tx, string customerKey, long grantId, ChangeBy by)
    {
        var g = await c.QuerySingleOrDefaultAsync<GrantRow>(GrantOfCustomerSql, new { grantId, customerKey }, tx);
        if (g is null) return (GrantRevocation.NotFound, null);
        var before = await states.ReadAsync(c, tx, g.CustomerId, by.Now);
        if (await c.ExecuteAsync(RevokeGrantSql, new { id = grantId, now = by.Now, actor = by.Actor }, tx) == 0) return (GrantRevocation.AlreadyRevoked, null);
        var change = await AuditAsync(c, tx, g.CustomerId, g.SubscriptionId, AuditKinds.GrantRevoked, $"grant #{grantId} {g.Handle}", by,
            g.IsUnlimited ? "unlimited" : g.Amount?.ToString(CultureInfo.InvariantCulture), null, grantId);
        var after = await EmitAsync(c, tx, g.CustomerId, before, Why.Grant, by, subscriptionEvent: false);
        await GrantEndedAsync(c, tx, g, after?.Customer ?? customerKey, "revoked", by.Now);
        return (GrantRevocation.Revoked, change);
    }

    internal const string MarkExpiredSql = """
        update EntitlementGrant
           set ExpiredAt = @now
         where Id = @id and ExpiredAt is null and RevokedAt is null and ValidUntil <= @now
        """;

    /// <summary>
    /// Records that a grant reached its <c>validUntil</c> (entitlements already ignore it past its window). Once per
    /// grant: null when it was marked already, revoked, or has not ended.
    /// </summary>
    public async Task<SubscriptionChange?> ExpireGrantAsync(DbConnection c, DbTransaction tx, long grantId, ChangeBy by)
    {
        var g = await c.QuerySingleOrDefaultAsync<GrantRow>(GrantOfCustomerSql, new { grantId, customerKey = (string?)null }, tx);
        if (g is null || await c.ExecuteAsync(MarkExpiredSql, new { id = grantId, now = by.Now }, tx) != 1) return null;
        var grant = new EntitlementGrant { Amount = g.Amount, IsUnlimited = g.IsUnlimited, Reason = g.Reason, GrantedBy = "", ValidFrom = g.ValidFrom, ValidUntil = g.ValidUntil, Regions = g.Regions };
        var change = await AuditAsync(c, tx, g.CustomerId, g.SubscriptionId, AuditKinds.GrantExpired, $"grant #{grantId} {g.Handle}", by with { Reason = g.Reason },
            DescribeGrant(new Feature { Handle = g.Handle, Name = g.Handle, Kind = g.Kind }, grant), "expired", grantId);
        // What changed when the grant's window closed: the same rows just before and at its end (the job runs later).
        var ended = g.ValidUntil!.Value;
        var before = await states.ReadAsync(c, tx, g.CustomerId, ended.AddTicks(-1));
        var after = await EmitAsync(c, tx, g.CustomerId, before, Why.Expiry, by with { Reason = g.Reason }, subscriptionEvent: false, at: ended);
        if (after is not null) await GrantEndedAsync(c, tx, g, after.Customer, "expired", by.Now);
        return change;
    }

    // ---- Seeding: rows written as history, with no audit entry (the demo catalog and benchmarks) ---------------

    internal string InsertSubscriptionSql => db.Dialect.InsertReturningId("Subscription", "CustomerId", "PlanId", "Status", "BillingAnchorDay", "StartedAt", "UpdatedAt");

    public Task<long> InsertSubscriptionAsync(DbConnection c, DbTransaction tx, long customerId, long planId, SubscriptionStatus status, int anchorDay, DateTime startedAt, DateTime now) =>
        c.ExecuteScalarAsync<long>(InsertSubscriptionSql,
            new { CustomerId = customerId, PlanId = planId, Status = status.ToString(), BillingAnchorDay = anchorDay, StartedAt = startedAt, UpdatedAt = now }, tx);

    internal const string InsertAddOnSql = """
        insert into SubscriptionAddOn (SubscriptionId, AddOnId, Quantity)
        values (@subscriptionId, @addOnId, @quantity)
        """;

    public Task InsertAddOnAsync(DbConnection c, DbTransaction tx, long subscriptionId, long addOnId, int quantity) =>
        c.ExecuteAsync(InsertAddOnSql, new { subscriptionId, addOnId, quantity }, tx);

    internal string InsertGrantSql => db.Dialect.InsertReturningId("EntitlementGrant", "SubscriptionId", "FeatureId", "Amount", "IsUnlimited", "Reason", "GrantedBy", "ValidFrom", "ValidUntil", "CreatedAt", "Regions");

    public Task<long> InsertGrantAsync(DbConnection c, DbTransaction tx, EntitlementGrant g) =>
        c.ExecuteScalarAsync<long>(InsertGrantSql,
            new { g.SubscriptionId, g.FeatureId, g.Amount, g.IsUnlimited, g.Reason, g.GrantedBy, g.ValidFrom, g.ValidUntil, g.CreatedAt, g.Regions }, tx);

    // ---- How changes read ----------------------------------------------------------------------------------------

    public static string Describe(PricePlan plan) => $"{plan.Code} v{plan.Version}";

    private static string Describe(SubscriptionStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>"sso included permanent", "max-members +5 from 2026-11-20 10:00 until 2026-11-27 10:00 UTC".</summary>
    public static string DescribeGrant(Feature feature, EntitlementGrant g)
    {
        var value = feature.Kind == FeatureKind.Boolean ? "included" : g.IsUnlimited ? "unlimited" : "+" + (g.Amount ?? 0).ToString(CultureInfo.InvariantCulture);
        var window = g.ValidUntil is { } until
            ? $" from {g.ValidFrom?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "now"} until {until.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC"
            : " permanent";
        var regions = g.Rule is { } rule ? $" {RegionRule.Word(rule.Mode)} {string.Join(", ", rule.Places)}" : "";
        return $"{feature.Handle} {value}{window}{regions}";
    }

    private Task<SubscriptionChange> AuditAsync(DbConnection c, DbTransaction tx, Subscription s, string kind, string subject, ChangeBy by,
        string? before, string? after, long? grantId = null) =>
        AuditAsync(c, tx, s.CustomerId, s.Id, kind, subject, by, before, after, grantId);

    private async Task<SubscriptionChange> AuditAsync(DbConnection c, DbTransaction tx, long customerId, long subscriptionId, string kind, string subject,
        ChangeBy by, string? before, string? after, long? grantId = null)
    {
        await audit.WriteAsync(c, tx, new AuditEntry
        {
            At = by.Now, Actor = by.Actor, CustomerId = customerId, Kind = kind, Subject = subject, OldValue = before, NewValue = after, Reason = by.Reason,
        });
        return new SubscriptionChange(kind, customerId, subscriptionId, subject, before, after, grantId);
    }

    // ---- Outbound events ------------------------------------------------------------------------------------------

    /// <summary>The <c>why</c> of <c>subscription.changed</c> and <c>entitlements.changed</c>.</summary>
    public static class Why
    {
        public const string Plan = "plan";
        public const string Status = "status";
        public const string BillingAnchor = "billing-anchor";
        public const string AddOn = "add-on";
        public const string Grant = "grant";
        public const string Expiry = "expiry";
        public const string ScheduledChange = "scheduled-change";
    }

    /// <summary>
    /// Compares the account after the change (at <paramref name="at"/>, now by default) with <paramref name="before"/> and
    /// writes the events that describe the difference, in the caller's transaction. Returns the account after.
    /// </summary>
    private async Task<AccountState?> EmitAsync(DbConnection c, DbTransaction tx, long customerId, AccountState? before, string why, ChangeBy by,
        bool subscriptionEvent, DateTime? at = null)
    {
        var after = await states.ReadAsync(c, tx, customerId, at ?? by.Now);
        if (after is null) return null;
        if (subscriptionEvent && (before is null || SubscriptionOf(before) != SubscriptionOf(after)))
            await events.EmitAsync(c, tx, EventTypes.SubscriptionChanged, customerId, new
            {
                customer = after.Customer,
                before = before is null ? null : SubscriptionView(before),
                after = SubscriptionView(after),
                why, actor = by.Actor, reason = by.Reason,
            }, by.Now);

        var changes = after.Entitlements.Keys.Union(before?.Entitlements.Keys ?? [], StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(feature => new { feature, before = before?.Entitlements.GetValueOrDefault(feature), after = after.Entitlements.GetValueOrDefault(feature) })
            .Where(x => !Equals(x.before, x.after) && !(before is null && x.after is false))
            .ToList();
        if (changes.Count > 0)
            await events.EmitAsync(c, tx, EventTypes.EntitlementsChanged, customerId, new { customer = after.Customer, why, changes, actor = by.Actor, reason = by.Reason }, by.Now);
        return after;
    }

    private static string SubscriptionOf(AccountState s) =>
        $"{s.Plan} {s.PlanVersion} {s.Status} {s.BillingAnchorDay} {string.Join(",", s.AddOns.Select(a => $"{a.Code}×{a.Quantity}"))} {s.Scheduled}";

    private static object SubscriptionView(AccountState s) => new
    {
        plan = s.Plan, planVersion = s.PlanVersion, status = s.Status, billingAnchorDay = s.BillingAnchorDay,
        addOns = s.AddOns.Select(a => new { code = a.Code, quantity = a.Quantity }),
        scheduledChange = s.Scheduled is { } p ? new { plan = p.Plan, planVersion = p.PlanVersion, at = p.At } : null,
    };

    private Task GrantEndedAsync(DbConnection c, DbTransaction tx, GrantRow g, string customerKey, string why, DateTime now) =>
        events.EmitAsync(c, tx, EventTypes.GrantEnded, g.CustomerId, new
        {
            customer = customerKey, grantId = g.Id, feature = g.Handle, validUntil = why == "revoked" ? now : g.ValidUntil, why,
        }, now);

    private sealed record GrantRow
    {
        public long Id { get; init; }
        public long SubscriptionId { get; init; }
        public long? Amount { get; init; }
        public bool IsUnlimited { get; init; }
        public string Reason { get; init; } = "";
        public DateTime? ValidFrom { get; init; }
        public DateTime? ValidUntil { get; init; }
        public string Handle { get; init; } = "";
        public FeatureKind Kind { get; init; }
        public long CustomerId { get; init; }
        public string? Regions { get; init; }
    }
}
