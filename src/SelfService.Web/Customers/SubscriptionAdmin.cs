using System.Globalization;
using Dapper;
using SelfService.Catalog;
using SelfService.Data;
using SelfService.Shared;

namespace SelfService.Customers;

/// <summary>A grant the operator is adding: a value for one feature, permanent or for a window, always with a reason.</summary>
public sealed class GrantInput
{
    public long FeatureId { get; set; }
    public string? Value { get; set; }
    /// <summary>"permanent" or "temporary".</summary>
    public string Duration { get; set; } = Permanent;
    /// <summary>UTC, as a datetime-local field sends it (<c>2026-11-20T10:30</c>); empty means now.</summary>
    public string? ValidFrom { get; set; }
    public string? ValidUntil { get; set; }
    public string? Reason { get; set; }
    /// <summary>Where the grant counts: empty (everywhere), "only" or "except" the countries and regions in <see cref="Places"/>.</summary>
    public string? RegionMode { get; set; }
    public string? Places { get; set; }

    public const string Permanent = "permanent";
    public const string Temporary = "temporary";

    public static string Local(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    public (EntitlementGrant? Grant, InputErrors Errors) Validate(IReadOnlyList<Feature> features, DateTime now, IReadOnlyCollection<string>? regionCodes = null)
    {
        var errors = new InputErrors();
        var feature = features.FirstOrDefault(f => f.Id == FeatureId);
        EntitlementValue? value = null;
        if (feature is null) errors.Add(nameof(FeatureId), "Choose the feature to grant.");
        else
        {
            var (parsed, error) = EntitlementInput.Parse(feature, feature.Kind == FeatureKind.Boolean && string.IsNullOrWhiteSpace(Value) ? EntitlementInput.Included : Value, allowZero: false);
            if (error is not null) errors.Add(nameof(Value), error);
            else if (parsed is null) errors.Add(nameof(Value), "Enter how much to add: a whole number, or unlimited.");
            else value = parsed;
        }
        DateTime? from = null, until = null;
        if (Duration == Temporary)
        {
            if (string.IsNullOrWhiteSpace(ValidFrom)) from = now;
            else if (ParseTime(ValidFrom) is { } f) from = f;
            else errors.Add(nameof(ValidFrom), "Enter a start date and time (UTC), or leave it empty to start now.");
            if (string.IsNullOrWhiteSpace(ValidUntil)) errors.Add(nameof(ValidUntil), "A temporary grant needs an end date and time (UTC).");
            else if (ParseTime(ValidUntil) is not { } u) errors.Add(nameof(ValidUntil), "Enter the end as a date and time (UTC).");
            else if (from is { } start && u <= start) errors.Add(nameof(ValidUntil), "The end must come after the start.");
            else if (u <= now) errors.Add(nameof(ValidUntil), "The end is in the past; the grant would never count.");
            else until = u;
        }
        else if (Duration != Permanent) errors.Add(nameof(Duration), "Choose permanent or temporary.");
        var reason = Reason?.Trim() ?? "";
        if (reason.Length == 0) errors.Add(nameof(Reason), "Give a reason: the customer and the audit log will see it.");
        else if (reason.Length > 300) errors.Add(nameof(Reason), "Keep the reason to 300 characters.");
        var (rule, ruleError) = EntitlementInput.ParseRule(RegionMode, Places, regionCodes ?? []);
        if (ruleError is not null) errors.Add(nameof(Places), ruleError);
        if (errors.Count > 0 || feature is null || value is null) return (null, errors);
        return (new EntitlementGrant
        {
            FeatureId = feature.Id, Amount = value.Value.Amount, IsUnlimited = value.Value.Unlimited, Reason = reason, GrantedBy = "",
            ValidFrom = from, ValidUntil = until, CreatedAt = now, Regions = rule?.Stored,
        }, errors);
    }

    private static DateTime? ParseTime(string text) =>
        DateTime.TryParseExact(text.Trim(), ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"], CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null;
}

/// <summary>A grant as the operator sees it in the subscription's history.</summary>
public sealed record GrantRecord
{
    public long Id { get; init; }
    public long FeatureId { get; init; }
    public long? Amount { get; init; }
    public bool IsUnlimited { get; init; }
    public string Reason { get; init; } = "";
    public string GrantedBy { get; init; } = "";
    public DateTime? ValidFrom { get; init; }
    public DateTime? ValidUntil { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? RevokedAt { get; init; }
    public string? Regions { get; init; }
    public RegionRule? Rule => RegionRule.FromStored(Regions);
    public string? RevokedBy { get; init; }
    public DateTime? ExpiredAt { get; init; }

    /// <summary>"active", "scheduled", "ended" or "removed" at <paramref name="now"/>; by its window, whatever the expiry job has done.</summary>
    public string State(DateTime now) => GrantWindow.StateAt(ValidFrom, ValidUntil, RevokedAt, now) switch
    {
        GrantState.Revoked => "removed",
        GrantState.Ended => "ended",
        GrantState.Scheduled => "scheduled",
        _ => "active",
    };
}

/// <summary>A customer found by key or name, with the plan version it is on.</summary>
public sealed record CustomerMatch
{
    public long Id { get; init; }
    public required string ExternalKey { get; init; }
    public required string Name { get; init; }
    public string PlanName { get; init; } = "";
    public string PlanCode { get; init; } = "";
    public int PlanVersion { get; init; }
    public bool PlanSuperseded { get; init; }
    public string Status { get; init; } = "";
}

/// <summary>
/// The operators' side of subscriptions: finding customers, their grant history, and the changes the subscription page
/// offers (grants added and revoked, plan changes, moves to a plan's or add-on's newer version). It checks what the
/// operator asked for; <see cref="SubscriptionChanges"/> makes each change and audits it in the same transaction.
/// </summary>
public sealed class SubscriptionAdmin(Db db, CatalogStore catalog, SubscriptionChanges changes, TimeProvider clock)
{
    internal const string SearchSql = """
        select c.Id, c.ExternalKey, c.Name, p.Name as PlanName, p.Code as PlanCode, p.Version as PlanVersion,
               case when p.SupersededById is null then 0 else 1 end as PlanSuperseded, s.Status
          from Customer c
          left join Subscription s on s.CustomerId = c.Id
          left join PricePlan p on p.Id = s.PlanId
         where @pattern is null or lower(c.ExternalKey) like @pattern or lower(c.Name) like @pattern
         order by c.Name
        """;

    /// <summary>Customers whose key or name contains <paramref name="query"/> (every customer for an empty query).</summary>
    public async Task<IReadOnlyList<CustomerMatch>> SearchAsync(string? query, CancellationToken ct = default)
    {
        var q = query?.Trim().ToLowerInvariant();
        var pattern = string.IsNullOrEmpty(q) ? null : "%" + q.Replace("[", "", StringComparison.Ordinal).Replace("%", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal) + "%";
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<CustomerMatch>(new CommandDefinition(SearchSql, new { pattern }, cancellationToken: ct))).AsList();
    }

    internal const string PlanSql = """
        select Id, Code, Version, Family, Name, Description, MonthlyPriceCents, RequiresApproval, SupersededById
          from PricePlan
         where Id = @id
        """;

    internal const string RegionCodesSql = "select Code from Region";

    public async Task<EditResult<long>> AddGrantAsync(string customerKey, GrantInput input, string actor, CancellationToken ct = default)
    {
        var features = await catalog.FeaturesAsync(ct);
        var now = Now;
        IReadOnlyCollection<string> regionCodes;
        await using (var connection = await db.OpenAsync(ct))
            regionCodes = (await connection.QueryAsync<string>(new CommandDefinition(RegionCodesSql, cancellationToken: ct))).ToHashSet(StringComparer.Ordinal);
        var (grant, errors) = input.Validate(features, now, regionCodes);
        if (grant is null) return EditResult<long>.Failed(errors);
        var feature = features.First(f => f.Id == grant.FeatureId);
        return await db.WriteAsync(async (c, tx) =>
        {
            var subscription = await changes.LockAsync(c, tx, customerKey);
            if (subscription is null) return EditResult<long>.Failed(FormErrors.NotFoundField, "This customer has no subscription.");
            var change = await changes.AddGrantAsync(c, tx, subscription, feature, grant, new ChangeBy(actor, now, grant.Reason));
            return EditResult<long>.Success(change.GrantId!.Value);
        }, ct);
    }

    internal const string GrantHistorySql = """
        select g.Id, g.FeatureId, g.Amount, g.IsUnlimited, g.Reason, g.GrantedBy, g.ValidFrom, g.ValidUntil, g.CreatedAt, g.RevokedAt, g.RevokedBy, g.ExpiredAt,
               g.Regions
          from EntitlementGrant g
          join Subscription s on s.Id = g.SubscriptionId
          join Customer c on c.Id = s.CustomerId
         where c.ExternalKey = @customer
         order by g.CreatedAt desc, g.Id desc
        """;

    /// <summary>Every grant the customer's subscription has had, newest first, revoked and ended ones included.</summary>
    public async Task<IReadOnlyList<GrantRecord>> GrantsAsync(string customerKey, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<GrantRecord>(new CommandDefinition(GrantHistorySql, new { customer = customerKey }, cancellationToken: ct))).AsList();
    }

    /// <summary>Ends a grant now. The reason is required; the grant stays in the history.</summary>
    public async Task<EditResult<long>> RevokeGrantAsync(string customerKey, long grantId, string? reason, string actor, CancellationToken ct = default)
    {
        var why = reason?.Trim() ?? "";
        if (why.Length == 0) return EditResult<long>.Failed("Reason", "Give a reason for removing the grant.");
        if (why.Length > 300) return EditResult<long>.Failed("Reason", "Keep the reason to 300 characters.");
        return await db.WriteAsync(async (c, tx) =>
        {
            var (result, _) = await changes.RevokeGrantAsync(c, tx, customerKey, grantId, new ChangeBy(actor, Now, why));
            return result switch
            {
                GrantRevocation.NotFound => EditResult<long>.Failed(FormErrors.NotFoundField, "This customer has no such grant."),
                GrantRevocation.AlreadyRevoked => EditResult<long>.Failed("Reason", "This grant was removed already."),
                _ => EditResult<long>.Success(grantId),
            };
        }, ct);
    }

    /// <summary>Moves the customer to a current plan of the same family, now. A reason is required.</summary>
    public async Task<EditResult<PricePlan>> ChangePlanAsync(string customerKey, long planId, string? reason, string actor, CancellationToken ct = default)
    {
        var why = reason?.Trim() ?? "";
        if (why.Length == 0) return EditResult<PricePlan>.Failed("Reason", "Give a reason for the plan change.");
        if (why.Length > 300) return EditResult<PricePlan>.Failed("Reason", "Keep the reason to 300 characters.");
        return await db.WriteAsync(async (c, tx) =>
        {
            var subscription = await changes.LockAsync(c, tx, customerKey);
            if (subscription is null) return EditResult<PricePlan>.Failed(FormErrors.NotFoundField, "This customer has no subscription.");
            var from = await c.QuerySingleAsync<PricePlan>(PlanSql, new { id = subscription.PlanId }, tx);
            var to = await c.QuerySingleOrDefaultAsync<PricePlan>(PlanSql, new { id = planId }, tx);
            if (to is null || to.SupersededById is not null) return EditResult<PricePlan>.Failed("PlanId", "Choose a current plan.");
            if (to.Family != from.Family) return EditResult<PricePlan>.Failed("PlanId", $"Choose a plan of the {from.Family} family.");
            if (to.Id == from.Id) return EditResult<PricePlan>.Failed("PlanId", "The customer is on this plan already.");
            await changes.ChangePlanAsync(c, tx, subscription, from, to, new ChangeBy(actor, Now, why));
            return EditResult<PricePlan>.Success(to);
        }, ct);
    }

    /// <summary>
    /// Cancels the customer's pending scheduled plan change (the customer's Owner or Admin, or an Operator; the caller
    /// checks who). True when it was cancelled; false when there was nothing left to cancel (cancelled already, or its
    /// instant has come): a second post changes nothing.
    /// </summary>
    public Task<bool> CancelScheduledChangeAsync(string customerKey, string actor, CancellationToken ct = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            var subscription = await changes.LockAsync(c, tx, customerKey);
            if (subscription is null) return false;
            return await changes.CancelScheduledChangeAsync(c, tx, subscription, new ChangeBy(actor, Now, "Scheduled plan change cancelled")) is not null;
        }, ct);

    /// <summary>Moves the customer from a superseded plan version to the newest version of the same plan.</summary>
    public async Task<EditResult<PricePlan>> MoveToNewestVersionAsync(string customerKey, string actor, CancellationToken ct = default) =>
        await db.WriteAsync(async (c, tx) =>
        {
            var subscription = await changes.LockAsync(c, tx, customerKey);
            if (subscription is null) return EditResult<PricePlan>.Failed(FormErrors.NotFoundField, "This customer has no subscription.");
            var from = await c.QuerySingleAsync<PricePlan>(PlanSql, new { id = subscription.PlanId }, tx);
            var to = await NewestAsync(c, tx, from);
            if (to.Id == from.Id) return EditResult<PricePlan>.Failed("PlanId", $"{from.Code} v{from.Version} is the newest version already.");
            await changes.ChangePlanAsync(c, tx, subscription, from, to, new ChangeBy(actor, Now, $"Moved to {to.Code} v{to.Version}"));
            return EditResult<PricePlan>.Success(to);
        }, ct);

    /// <summary>Moves every subscription on a superseded plan version to the newest version; returns how many moved.</summary>
    public async Task<EditResult<int>> MoveAllToNewestVersionAsync(long planId, string actor, CancellationToken ct = default) =>
        await db.WriteAsync(async (c, tx) =>
        {
            var from = await c.QuerySingleOrDefaultAsync<PricePlan>(PlanSql, new { id = planId }, tx);
            if (from is null) return EditResult<int>.Failed(FormErrors.NotFoundField, "There is no such plan.");
            var to = await NewestAsync(c, tx, from);
            if (to.Id == from.Id) return EditResult<int>.Failed(FormErrors.NotFoundField, $"{from.Code} v{from.Version} is the newest version.");
            var subscriptions = await changes.LockOnPlanAsync(c, tx, planId);
            var by = new ChangeBy(actor, Now, $"Moved to {to.Code} v{to.Version}");
            foreach (var s in subscriptions) await changes.ChangePlanAsync(c, tx, s, from, to, by);
            return EditResult<int>.Success(subscriptions.Count);
        }, ct);

    internal const string SubscriptionAddOnSql = """
        select a.Id, a.Code, a.Version, a.Family, a.Name, a.Description, a.MonthlyPriceCents, a.MaxQuantity, a.RequiresApproval, a.SupersededById
          from SubscriptionAddOn sa
          join AddOn a on a.Id = sa.AddOnId
         where sa.SubscriptionId = @subscriptionId and sa.AddOnId = @addOnId
        """;

    internal const string AddOnSql = """
        select Id, Code, Version, Family, Name, Description, MonthlyPriceCents, MaxQuantity, RequiresApproval, SupersededById
          from AddOn
         where Id = @id
        """;

    internal const string HasAddOnSql = "select count(*) from SubscriptionAddOn where SubscriptionId = @subscriptionId and AddOnId = @addOnId";

    /// <summary>Moves one add-on of the subscription from a superseded version to the newest, keeping its quantity.</summary>
    public async Task<EditResult<AddOn>> MoveAddOnToNewestVersionAsync(string customerKey, long addOnId, string actor, CancellationToken ct = default) =>
        await db.WriteAsync(async (c, tx) =>
        {
            var subscription = await changes.LockAsync(c, tx, customerKey);
            if (subscription is null) return EditResult<AddOn>.Failed(FormErrors.NotFoundField, "This customer has no subscription.");
            var from = await c.QuerySingleOrDefaultAsync<AddOn>(SubscriptionAddOnSql, new { subscriptionId = subscription.Id, addOnId }, tx);
            if (from is null) return EditResult<AddOn>.Failed(FormErrors.NotFoundField, "The subscription has no such add-on.");
            var to = from;
            while (to.SupersededById is { } next) to = await c.QuerySingleAsync<AddOn>(AddOnSql, new { id = next }, tx);
            if (to.Id == from.Id) return EditResult<AddOn>.Failed("AddOnId", $"{from.Code} v{from.Version} is the newest version already.");
            if (await c.ExecuteScalarAsync<int>(HasAddOnSql, new { subscriptionId = subscription.Id, addOnId = to.Id }, tx) > 0)
                return EditResult<AddOn>.Failed("AddOnId", $"The subscription has {to.Code} v{to.Version} already.");
            await changes.MoveAddOnVersionAsync(c, tx, subscription, from, to, new ChangeBy(actor, Now, $"Moved to {to.Code} v{to.Version}"));
            return EditResult<AddOn>.Success(to);
        }, ct);

    private static async Task<PricePlan> NewestAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, PricePlan plan)
    {
        var newest = plan;
        while (newest.SupersededById is { } next) newest = await c.QuerySingleAsync<PricePlan>(PlanSql, new { id = next }, tx);
        return newest;
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;
}
