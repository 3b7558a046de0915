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

/// <summary>What an operator's form changed: the changes made, or nothing because the same form was sent before.</summary>
public sealed record StaffChange(bool WasRepeated, IReadOnlyList<SubscriptionChange> Changes)
{
    public static readonly StaffChange Repeated = new(true, []);
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
    private const string SearchFrom = """
          from Customer c
          left join Subscription s on s.CustomerId = c.Id
          left join PricePlan p on p.Id = s.PlanId
         where @pattern is null or lower(c.ExternalKey) like @pattern or lower(c.Name) like @pattern
        """;

    internal const string SearchSql = $"""
        select c.Id, c.ExternalKey, c.Name, p.Name as PlanName, p.Code as PlanCode, p.Version as PlanVersion,
               case when p.SupersededById is null then 0 else 1 end as PlanSuperseded, s.Status
        {SearchFrom}
        """;

    internal const string SearchCountSql = $"""
        select count(*)
        {SearchFrom}
        """;

    // By name, then by key (unique), so that pages neither repeat nor skip a customer of the same name.
    internal string SearchPageSql => SearchSql + "\n" + db.Dialect.Page("c.Name, c.ExternalKey");

    /// <summary>
    /// One page of the customers whose key or name contains <paramref name="query"/> (every customer for an empty
    /// query), by name; <paramref name="page"/> as the query string gave it.
    /// </summary>
    public async Task<Paged<CustomerMatch>> SearchPageAsync(string? query, string? page, int size, CancellationToken ct = default)
    {
        var pattern = TextSearch.ContainsPattern(query);
        await using var connection = await db.OpenAsync(ct);
        return await Paging.ReadAsync<CustomerMatch>(page, size,
            () => connection.ExecuteScalarAsync<long>(new CommandDefinition(SearchCountSql, new { pattern }, cancellationToken: ct)),
            async (offset, limit) => (await connection.QueryAsync<CustomerMatch>(new CommandDefinition(SearchPageSql,
                new { pattern, Offset = offset, Limit = limit }, cancellationToken: ct))).AsList());
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

    // ---- Add-on quantities and status: what the CRM's PUT of a subscription can do, from the operator's page -----

    /// <summary>The add-ons the operator may set on a subscription: those it holds (any version), then the current ones of its plan's family.</summary>
    public static IReadOnlyList<AddOn> SettableAddOns(CatalogSnapshot catalog, PricePlan plan, IEnumerable<long> heldAddOnIds)
    {
        var held = heldAddOnIds.Select(id => catalog.AddOns.FirstOrDefault(a => a.Id == id)).OfType<AddOn>().ToList();
        return held.Concat(catalog.CurrentAddOns.Where(a => a.Family == plan.Family && held.All(h => h.Code != a.Code)))
            .OrderBy(a => a.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The field of one add-on's quantity on the form.</summary>
    public static string QuantityField(long addOnId) => $"Quantities[{addOnId}]";

    public const string ReasonField = "Reason";
    public const string StatusField = "Status";

    /// <summary>
    /// Sets how many of each add-on the subscription holds, all or nothing, by the CRM's rules (see
    /// <c>Provisioning.PutSubscriptionAsync</c>): an add-on of the plan's family, the version held or else the current
    /// one, from 0 (removed) to the add-on's maximum. Each change is made and audited by <see cref="SubscriptionChanges"/>.
    /// A second post of the same <paramref name="formToken"/> changes nothing and says so (<see cref="StaffChange.Repeated"/>).
    /// </summary>
    public async Task<EditResult<StaffChange>> SetAddOnQuantitiesAsync(string customerKey, IReadOnlyDictionary<long, string?> quantities, string? reason,
        string? formToken, string actor, CancellationToken ct = default)
    {
        var errors = new InputErrors();
        var why = CheckReason(reason, "Give a reason for the change: the customer and the audit log will see it.", errors);
        var token = CheckToken(formToken, errors);
        var snapshot = await catalog.SnapshotAsync(ct);
        return await db.WriteAsync(async (c, tx) =>
        {
            var subscription = await changes.LockAsync(c, tx, customerKey);
            if (subscription is null) return EditResult<StaffChange>.Failed(FormErrors.NotFoundField, "This customer has no subscription.");
            var plan = snapshot.Plans.First(p => p.Id == subscription.PlanId);
            var held = (await changes.AddOnsAsync(c, tx, subscription.Id)).ToDictionary(h => h.AddOnId, h => h.Quantity);
            var settable = SettableAddOns(snapshot, plan, held.Keys);
            var wanted = new List<(AddOn AddOn, int Quantity)>();
            foreach (var (addOnId, text) in quantities)
            {
                var field = QuantityField(addOnId);
                var addOn = settable.FirstOrDefault(a => a.Id == addOnId);
                if (addOn is null)
                {
                    var known = snapshot.AddOns.FirstOrDefault(a => a.Id == addOnId);
                    errors.Add(field, known is null ? "There is no such add-on."
                        : known.Family != plan.Family ? $"{known.Name} is for {known.Family} plans; {plan.Name} is a {plan.Family} plan."
                        : $"{known.Name} v{known.Version} has been superseded; set the current version instead.");
                    continue;
                }
                var value = text?.Trim() ?? "";
                if (value.Length == 0) value = held.GetValueOrDefault(addOnId).ToString(CultureInfo.InvariantCulture);
                if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var quantity))
                    errors.Add(field, $"Enter a whole number from 0 to {addOn.MaxQuantity}.");
                else if (quantity < 0) errors.Add(field, "At least 0: 0 removes the add-on.");
                else if (quantity > addOn.MaxQuantity) errors.Add(field, $"At most {addOn.MaxQuantity} of {addOn.Name}.");
                else wanted.Add((addOn, quantity));
            }
            if (errors.Count > 0) return EditResult<StaffChange>.Failed(errors);
            // The subscription is locked: a second post of this form waits here for the first to commit, then finds its token.
            if (await SentBeforeAsync(c, tx, token!)) return EditResult<StaffChange>.Success(StaffChange.Repeated);
            wanted.RemoveAll(w => held.GetValueOrDefault(w.AddOn.Id) == w.Quantity);
            if (wanted.Count == 0) return EditResult<StaffChange>.Success(new StaffChange(false, []));
            if (!await FirstPostAsync(c, tx, token!, subscription.CustomerId, "add-ons", actor)) return EditResult<StaffChange>.Success(StaffChange.Repeated);
            var by = new ChangeBy(actor, Now, why);
            var made = new List<SubscriptionChange>();
            foreach (var (addOn, quantity) in wanted)
                if (await changes.SetAddOnQuantityAsync(c, tx, subscription, addOn, quantity, by) is { } change) made.Add(change);
            return EditResult<StaffChange>.Success(new StaffChange(false, made));
        }, ct);
    }

    /// <summary>
    /// Suspends, resumes (back to active) or cancels the subscription, as the CRM's PUT may: any status from any other.
    /// The change is made and audited by <see cref="SubscriptionChanges.SetStatusAsync"/>; a second post of the same
    /// <paramref name="formToken"/> changes nothing.
    /// </summary>
    public async Task<EditResult<StaffChange>> SetStatusAsync(string customerKey, string? status, string? reason, string? formToken, string actor,
        CancellationToken ct = default)
    {
        var errors = new InputErrors();
        SubscriptionStatus? wanted = Enum.GetValues<SubscriptionStatus>().Select(s => (SubscriptionStatus?)s)
            .FirstOrDefault(s => string.Equals(s.ToString(), status?.Trim(), StringComparison.OrdinalIgnoreCase));
        if (wanted is null) errors.Add(StatusField, "Choose active, suspended or cancelled.");
        var why = CheckReason(reason, "Give a reason: the customer and the audit log will see it.", errors);
        var token = CheckToken(formToken, errors);
        return await db.WriteAsync(async (c, tx) =>
        {
            var subscription = await changes.LockAsync(c, tx, customerKey);
            if (subscription is null) return EditResult<StaffChange>.Failed(FormErrors.NotFoundField, "This customer has no subscription.");
            if (errors.Count > 0) return EditResult<StaffChange>.Failed(errors);
            if (subscription.Status == wanted)
                return await SentBeforeAsync(c, tx, token!) ? EditResult<StaffChange>.Success(StaffChange.Repeated)
                    : EditResult<StaffChange>.Failed(StatusField, $"The subscription is {wanted.Value.ToString().ToLowerInvariant()} already.");
            if (!await FirstPostAsync(c, tx, token!, subscription.CustomerId, "status", actor)) return EditResult<StaffChange>.Success(StaffChange.Repeated);
            var change = await changes.SetStatusAsync(c, tx, subscription, wanted!.Value, new ChangeBy(actor, Now, why));
            return EditResult<StaffChange>.Success(new StaffChange(false, change is null ? [] : [change]));
        }, ct);
    }

    /// <summary>A new form token: one per form shown, sent back with the post.</summary>
    public static string NewFormToken() => Guid.NewGuid().ToString("N");

    internal string InsertSubmissionSql => db.Dialect.InsertIgnoringDuplicates("StaffFormSubmission", ["Token", "CustomerId", "Action", "Actor", "At"], ["Token"], textKeys: ["Token"]);

    // In the change's own transaction: the first post of a form writes its token and goes on; any later one finds it (or
    // waits for the first to commit, on the unique key) and stops, so the change happens once.
    private async Task<bool> FirstPostAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, string token, long customerId, string action, string actor) =>
        await c.ExecuteAsync(InsertSubmissionSql, new { Token = token, CustomerId = customerId, Action = action, Actor = actor, At = Now }, tx) == 1;

    internal const string SentBeforeSql = "select count(*) from StaffFormSubmission where Token = @token";

    private static async Task<bool> SentBeforeAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, string token) =>
        await c.ExecuteScalarAsync<int>(SentBeforeSql, new { token }, tx) > 0;

    private static string CheckReason(string? reason, string missing, InputErrors errors)
    {
        var why = reason?.Trim() ?? "";
        if (why.Length == 0) errors.Add(ReasonField, missing);
        else if (why.Length > 300) errors.Add(ReasonField, "Keep the reason to 300 characters.");
        return why;
    }

    private static string? CheckToken(string? token, InputErrors errors)
    {
        var t = token?.Trim();
        if (t is { Length: > 0 and <= 64 } && t.All(char.IsAsciiLetterOrDigit)) return t;
        errors.Add(FormErrors.FormField, "This form is out of date: reload the page and try again.");
        return null;
    }

    private static async Task<PricePlan> NewestAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, PricePlan plan)
    {
        var newest = plan;
        while (newest.SupersededById is { } next) newest = await c.QuerySingleAsync<PricePlan>(PlanSql, new { id = next }, tx);
        return newest;
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;
}
