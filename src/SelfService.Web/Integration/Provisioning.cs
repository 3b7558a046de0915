using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using SelfService.Api;
using SelfService.Audit;
using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Data;

namespace SelfService.Integration;

public sealed record AddOnView(string Code, int Version, string Name, int Quantity);

public sealed record SubscriptionView(PlanView Plan, string Status, int BillingAnchorDay, DateTime StartedAt, IReadOnlyList<AddOnView> AddOns);

public sealed record CustomerView(string Customer, string Name, DateTime CreatedAt, SubscriptionView? Subscription);

/// <summary>A grant as the API shows it. <c>Value</c> is a number, <c>true</c> (Boolean features) or <c>"unlimited"</c>.</summary>
public sealed record GrantView(
    long Id, string Feature, object Value, string Reason, string GrantedBy, DateTime? ValidFrom, DateTime? ValidUntil,
    DateTime CreatedAt, DateTime? RevokedAt, string? RevokedBy, string State);

/// <summary>A subscription as a CRM order states it: plan (by code), add-ons with quantities, billing anchor, status.</summary>
public sealed record SubscriptionOrder(string Plan, int? PlanVersion, IReadOnlyList<AddOnLine> AddOns, int? BillingAnchorDay, SubscriptionStatus? Status);

public sealed record AddOnLine(string Code, int Quantity, string Path);

/// <summary>The person a CRM names as a customer's Owner: invited once while the customer has no Owner.</summary>
public sealed record OwnerOrder(string Email, string? Name);

public sealed record GrantOrder(string Feature, JsonElement Value, DateTime? ValidFrom, DateTime? ValidUntil, string Reason);

/// <summary>
/// Creates and changes customers, subscriptions and grants for the vendor's CRM. Each method runs inside the
/// caller's write transaction (see <see cref="IdempotentWrites"/>) and audits every change it makes there.
/// </summary>
public sealed partial class Provisioning(Db db, CustomerStore customers, SubscriptionChanges changes, AuditLog audit, SelfService.Accounts.Team team,
    SelfService.Events.OutboundEvents events)
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    public static partial Regex CustomerKeyPattern();

    public static string CustomerPath(string key) => $"/api/v1/customers/{Uri.EscapeDataString(key)}";

    // ---- reading orders -------------------------------------------------------------------------------------

    /// <summary>The customer's name and, when the CRM names one, the person to invite as its first Owner.</summary>
    public static (string? Name, OwnerOrder? Owner) ReadCustomer(JsonFields? body)
    {
        var name = body?.String("name", required: true, maxLength: 200);
        OwnerOrder? owner = null;
        if (body?.Object("owner") is { } o)
        {
            var email = o.String("email", required: true, maxLength: 320);
            var ownerName = o.String("name", required: false, maxLength: 200);
            o.RejectUnknown();
            if (email is not null && !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(email))
                o.Fail("email", "Must be an email address like name@example.com.");
            else if (email is not null) owner = new OwnerOrder(email, ownerName);
        }
        body?.RejectUnknown();
        return (name, owner);
    }

    public static SubscriptionOrder? ReadSubscription(JsonFields? body, FieldErrors errors)
    {
        if (body is null) return null;
        var plan = body.String("plan", required: true, maxLength: 100);
        var planVersion = body.Integer("planVersion", required: false, 1, int.MaxValue);
        var anchor = body.Integer("billingAnchorDay", required: false, 1, 31);
        SubscriptionStatus? status = null;
        if (body.String("status", required: false, maxLength: 20) is { } s)
        {
            if (Enum.TryParse<SubscriptionStatus>(s, ignoreCase: true, out var parsed) && !int.TryParse(s, out _)) status = parsed;
            else body.Fail("status", "Must be one of active, suspended, cancelled.");
        }
        var lines = new List<AddOnLine>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in body.Objects("addOns") ?? [])
        {
            var code = item.String("code", required: true, maxLength: 100);
            var quantity = item.Integer("quantity", required: true, 1, 1000);
            item.RejectUnknown();
            if (code is not null && !seen.Add(code)) item.Fail("code", $"Add-on '{code}' is listed more than once.");
            else if (code is not null && quantity is not null) lines.Add(new AddOnLine(code, quantity.Value, item.PathOf("code")));
        }
        body.RejectUnknown();
        return errors.Any || plan is null ? null : new SubscriptionOrder(plan, planVersion, lines, anchor, status);
    }

    public static GrantOrder? ReadGrant(JsonFields? body, FieldErrors errors, DateTime now)
    {
        if (body is null) return null;
        var feature = body.String("feature", required: true, maxLength: 100);
        var value = body.Value("value", required: true);
        var from = body.Instant("validFrom");
        var until = body.Instant("validUntil");
        var reason = body.String("reason", required: true, maxLength: 500);
        body.RejectUnknown();
        if (value is { } v && !(v.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False
                                || (v.ValueKind == JsonValueKind.String && v.GetString() == "unlimited")))
            body.Fail("value", "Must be a whole number, true, or \"unlimited\".");
        if (from is not null && until is not null && until <= from) body.Fail("validUntil", "Must be after validFrom.");
        else if (until is not null && until <= now) body.Fail("validUntil", "Must be in the future.");
        return errors.Any || feature is null || value is null || reason is null ? null : new GrantOrder(feature, value.Value, from, until, reason);
    }

    /// <summary>The amount a grant order gives <paramref name="feature"/>, or an error on the <c>value</c> field.</summary>
    public static (long? Amount, bool Unlimited)? GrantValue(Feature feature, JsonElement value, FieldErrors errors)
    {
        if (feature.Kind == FeatureKind.Boolean)
        {
            if (value.ValueKind == JsonValueKind.True || (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var one) && one == 1))
                return (1, false);
            errors.Add("value", $"'{feature.Handle}' is a Boolean feature: the value must be true.");
            return null;
        }
        if (value.ValueKind == JsonValueKind.String) return (null, true);
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n >= 1) return (n, false);
        errors.Add("value", $"'{feature.Handle}' counts {feature.Unit ?? "units"}: the value must be a whole number of at least 1, or \"unlimited\".");
        return null;
    }

    // ---- views ----------------------------------------------------------------------------------------------

    internal const string CustomerViewSql = """
        select c.Id, c.ExternalKey, c.Name, c.CreatedAt
          from Customer c
         where c.ExternalKey = @customer;

        select s.Status, s.BillingAnchorDay, s.StartedAt, p.Code as PlanCode, p.Version as PlanVersion, p.Name as PlanName
          from Subscription s
          join Customer c on c.Id = s.CustomerId
          join PricePlan p on p.Id = s.PlanId
         where c.ExternalKey = @customer;

        select a.Code, a.Version, a.Name, sa.Quantity
          from SubscriptionAddOn sa
          join AddOn a on a.Id = sa.AddOnId
          join Subscription s on s.Id = sa.SubscriptionId
          join Customer c on c.Id = s.CustomerId
         where c.ExternalKey = @customer
         order by a.Code;
        """;

    /// <summary>The customer with its subscription, or null; inside a transaction when one is given.</summary>
    public async Task<CustomerView?> CustomerAsync(string customer, DbConnection? c = null, DbTransaction? tx = null, CancellationToken ct = default)
    {
        await using var owned = c is null ? await db.OpenAsync(ct) : null;
        var connection = c ?? owned!;
        using var grid = await connection.QueryMultipleAsync(new CommandDefinition(CustomerViewSql, new { customer }, tx, cancellationToken: ct));
        var r = await grid.ReadSingleOrDefaultAsync<CustomerRow>();
        var s = await grid.ReadSingleOrDefaultAsync<SubscriptionRow>();
        var addOns = (await grid.ReadAsync<AddOnRow>()).Select(a => new AddOnView(a.Code, a.Version, a.Name, a.Quantity)).ToList();
        if (r is null) return null;
        var subscription = s is null ? null
            : new SubscriptionView(new PlanView(s.PlanCode, s.PlanVersion, s.PlanName), s.Status.ToLowerInvariant(), s.BillingAnchorDay, s.StartedAt, addOns);
        return new CustomerView(r.ExternalKey, r.Name, r.CreatedAt, subscription);
    }

    private sealed record CustomerRow
    {
        public long Id { get; init; }
        public string ExternalKey { get; init; } = "";
        public string Name { get; init; } = "";
        public DateTime CreatedAt { get; init; }
    }

    private sealed record SubscriptionRow
    {
        public string Status { get; init; } = "";
        public int BillingAnchorDay { get; init; }
        public DateTime StartedAt { get; init; }
        public string PlanCode { get; init; } = "";
        public int PlanVersion { get; init; }
        public string PlanName { get; init; } = "";
    }

    private sealed record AddOnRow
    {
        public string Code { get; init; } = "";
        public int Version { get; init; }
        public string Name { get; init; } = "";
        public int Quantity { get; init; }
    }

    internal const string GrantsSql = """
        select g.Id, f.Handle as Feature, f.Kind, g.Amount, g.IsUnlimited, g.Reason, g.GrantedBy, g.ValidFrom, g.ValidUntil,
               g.CreatedAt, g.RevokedAt, g.RevokedBy
          from EntitlementGrant g
          join Feature f on f.Id = g.FeatureId
          join Subscription s on s.Id = g.SubscriptionId
          join Customer c on c.Id = s.CustomerId
         where c.ExternalKey = @customer
         order by g.CreatedAt, g.Id
        """;

    public async Task<IReadOnlyList<GrantView>> GrantsAsync(string customer, DateTime now, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<GrantRow>(new CommandDefinition(GrantsSql, new { customer }, cancellationToken: ct)))
            .Select(g => g.View(now)).ToList();
    }

    private sealed record GrantRow
    {
        public long Id { get; init; }
        public string Feature { get; init; } = "";
        public FeatureKind Kind { get; init; }
        public long? Amount { get; init; }
        public bool IsUnlimited { get; init; }
        public string Reason { get; init; } = "";
        public string GrantedBy { get; init; } = "";
        public DateTime? ValidFrom { get; init; }
        public DateTime? ValidUntil { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? RevokedAt { get; init; }
        public string? RevokedBy { get; init; }
        public long CustomerId { get; init; }

        public GrantView View(DateTime now) => new(Id, Feature,
            Kind == FeatureKind.Boolean ? true : IsUnlimited ? "unlimited" : Amount ?? 0,
            Reason, GrantedBy, ValidFrom, ValidUntil, CreatedAt, RevokedAt, RevokedBy,
            GrantWindow.StateAt(ValidFrom, ValidUntil, RevokedAt, now).ToString().ToLowerInvariant());
    }

    // ---- writes ---------------------------------------------------------------------------------------------

    internal const string CustomerByKeySql = "select Id, ExternalKey, Name from Customer where ExternalKey = @customer";

    internal string CustomerForUpdateSql => db.Dialect.LockingRows(CustomerByKeySql, "Customer");

    internal const string RenameCustomerSql = "update Customer set Name = @name where Id = @id";

    /// <summary>
    /// Creates the customer (201) or renames it (200); an unchanged customer is left alone, unaudited. An
    /// <paramref name="owner"/> is invited as Owner while the customer has no Owner and that address has no open
    /// invitation, so a replay or a later identical PUT sends nothing new.
    /// </summary>
    public async Task<WriteOutcome> PutCustomerAsync(DbConnection c, DbTransaction tx, DateTime now, string actor, string reason, string key, string name,
        OwnerOrder? owner = null, SelfService.Mail.MailBatch? mail = null)
    {
        var existing = await c.QuerySingleOrDefaultAsync<Customer>(CustomerForUpdateSql, new { customer = key }, tx);
        if (existing is null)
        {
            var id = await customers.CreateCustomerAsync(c, tx, key, name, now);
            await audit.WriteAsync(c, tx, new AuditEntry { At = now, Actor = actor, CustomerId = id, Kind = AuditKinds.CustomerCreated, Subject = $"customer {key}", NewValue = name, Reason = reason });
            await events.EmitAsync(c, tx, SelfService.Events.EventTypes.CustomerCreated, id, new { customer = key, name, actor }, now);
            if (await InviteOwnerAsync(c, tx, id, actor, owner, mail) is { } refused) return refused;
            return new WriteOutcome(StatusCodes.Status201Created, await CustomerAsync(key, c, tx), CustomerPath(key));
        }
        if (await InviteOwnerAsync(c, tx, existing.Id, actor, owner, mail) is { } refusal) return refusal;
        if (existing.Name != name)
        {
            await c.ExecuteAsync(RenameCustomerSql, new { id = existing.Id, name }, tx);
            await audit.WriteAsync(c, tx, new AuditEntry { At = now, Actor = actor, CustomerId = existing.Id, Kind = AuditKinds.CustomerRenamed, Subject = $"customer {key}", OldValue = existing.Name, NewValue = name, Reason = reason });
        }
        return new WriteOutcome(StatusCodes.Status200OK, await CustomerAsync(key, c, tx));
    }

    internal const string HasOwnerOrInvitationSql = """
        select (select count(*) from AppUser where CustomerId = @customerId and Role = 'Owner' and RemovedAt is null)
             + (select count(*) from Invitation where CustomerId = @customerId and Email = @email and IsOpen = @open)
        """;

    private async Task<WriteOutcome?> InviteOwnerAsync(DbConnection c, DbTransaction tx, long customerId, string actor, OwnerOrder? owner, SelfService.Mail.MailBatch? mail)
    {
        if (owner is null || mail is null) return null;
        var email = SelfService.Identity.UserStore.Normalize(owner.Email);
        if (await c.ExecuteScalarAsync<int>(HasOwnerOrInvitationSql, new { customerId, email, open = true }, tx) > 0) return null;
        var refusal = await team.InviteInAsync(c, tx, mail, customerId, SelfService.Accounts.TeamActor.Vendor(actor), email, SelfService.Identity.Roles.Owner, owner.Name);
        return refusal is null ? null
            : WriteOutcome.Failed(ApiProblems.ValidationFailed(new Dictionary<string, string[]> { ["owner.email"] = [refusal.Message] }));
    }

    /// <summary>
    /// Makes the subscription what the order says (201 when it is new, 200 otherwise): plan, status, anchor, and
    /// exactly the listed add-ons. Plans and add-ons are named by code; a code the subscription already holds keeps
    /// its version (grandfathered), a new one takes the current version. Each change is one audit entry.
    /// </summary>
    public async Task<WriteOutcome> PutSubscriptionAsync(DbConnection c, DbTransaction tx, DateTime now, string actor, string reason,
        string key, SubscriptionOrder order, CatalogSnapshot catalog)
    {
        var customer = await c.QuerySingleOrDefaultAsync<Customer>(CustomerForUpdateSql, new { customer = key }, tx);
        if (customer is null) return WriteOutcome.Failed(ApiProblems.NotFoundProblem($"No customer '{key}'. Create it first with PUT {CustomerPath(key)}."));
        var current = await changes.LockAsync(c, tx, customer.Id);
        var held = current is null ? [] : await changes.AddOnsAsync(c, tx, current.Id);

        // Resolve references; unknown ones answer 404 naming each, impossible ones 400 naming each.
        var missing = new FieldErrors();
        var invalid = new FieldErrors();
        var currentPlan = current is null ? null : catalog.Plans.FirstOrDefault(p => p.Id == current.PlanId);
        var plan = order.PlanVersion is { } v ? catalog.Plans.FirstOrDefault(p => p.Code == order.Plan && p.Version == v)
            : currentPlan?.Code == order.Plan ? currentPlan
            : catalog.CurrentPlans.FirstOrDefault(p => p.Code == order.Plan);
        if (plan is null) missing.Add(order.PlanVersion is null ? "plan" : "planVersion", order.PlanVersion is null ? $"No plan '{order.Plan}'." : $"No version {order.PlanVersion} of plan '{order.Plan}'.");
        var wanted = new List<(AddOn AddOn, int Quantity)>();
        foreach (var line in order.AddOns)
        {
            var addOn = held.Select(h => catalog.AddOns.FirstOrDefault(a => a.Id == h.AddOnId)).FirstOrDefault(a => a?.Code == line.Code)
                ?? catalog.CurrentAddOns.FirstOrDefault(a => a.Code == line.Code);
            if (addOn is null) { missing.Add(line.Path, $"No add-on '{line.Code}'."); continue; }
            if (plan is not null && addOn.Family != plan.Family)
                invalid.Add(line.Path, $"'{addOn.Code}' is for {addOn.Family} plans; '{plan.Code}' is a {plan.Family} plan.");
            if (line.Quantity > addOn.MaxQuantity)
                invalid.Add(line.Path.Replace(".code", ".quantity", StringComparison.Ordinal), $"At most {addOn.MaxQuantity} of '{addOn.Code}'.");
            wanted.Add((addOn, line.Quantity));
        }
        if (missing.Any)
            return WriteOutcome.Failed(ApiProblems.Problem(StatusCodes.Status404NotFound, ApiProblems.NotFound, "Not found.",
                "The order names plans or add-ons that do not exist.", new Dictionary<string, object?> { ["errors"] = missing.ToDictionary() }));
        if (invalid.Any) return WriteOutcome.Failed(ApiProblems.ValidationFailed(invalid.ToDictionary()));

        var by = new ChangeBy(actor, now, reason);
        var status = order.Status ?? current?.Status ?? SubscriptionStatus.Active;
        var anchor = order.BillingAnchorDay ?? current?.BillingAnchorDay ?? now.Day;
        Subscription subscription;
        if (current is null) (subscription, _) = await changes.CreateAsync(c, tx, customer.Id, plan!, status, anchor, by);
        else
        {
            subscription = current;
            await changes.ChangePlanAsync(c, tx, subscription, currentPlan ?? plan!, plan!, by);
            subscription = subscription with { PlanId = plan!.Id };
            await changes.SetStatusAsync(c, tx, subscription, status, by);
            subscription = subscription with { Status = status };
            await changes.SetBillingAnchorAsync(c, tx, subscription, anchor, by);
        }

        foreach (var h in held.Where(h => wanted.All(w => w.AddOn.Id != h.AddOnId)))
        {
            var removed = catalog.AddOns.FirstOrDefault(a => a.Id == h.AddOnId)
                ?? new AddOn { Id = h.AddOnId, Code = $"#{h.AddOnId}", Family = "", Name = "" };
            await changes.SetAddOnQuantityAsync(c, tx, subscription, removed, 0, by);
        }
        foreach (var (addOn, quantity) in wanted) await changes.SetAddOnQuantityAsync(c, tx, subscription, addOn, quantity, by);

        return new WriteOutcome(current is null ? StatusCodes.Status201Created : StatusCodes.Status200OK,
            await CustomerAsync(key, c, tx), current is null ? CustomerPath(key) : null);
    }

    /// <summary>Adds a grant to the customer's subscription (201).</summary>
    public async Task<WriteOutcome> AddGrantAsync(DbConnection c, DbTransaction tx, DateTime now, string actor, string key,
        Feature feature, (long? Amount, bool Unlimited) value, GrantOrder order)
    {
        var customer = await c.QuerySingleOrDefaultAsync<Customer>(CustomerForUpdateSql, new { customer = key }, tx);
        if (customer is null) return WriteOutcome.Failed(ApiProblems.NotFoundProblem($"No customer '{key}'."));
        var subscription = await changes.LockAsync(c, tx, customer.Id);
        if (subscription is null)
            return WriteOutcome.Failed(ApiProblems.Problem(StatusCodes.Status409Conflict, ApiProblems.Conflict, "The customer has no subscription.",
                $"Grants belong to a subscription: PUT {CustomerPath(key)}/subscription first."));

        var grant = new EntitlementGrant
        {
            Amount = value.Amount, IsUnlimited = value.Unlimited, Reason = order.Reason, GrantedBy = actor, ValidFrom = order.ValidFrom, ValidUntil = order.ValidUntil,
        };
        var id = (await changes.AddGrantAsync(c, tx, subscription, feature, grant, new ChangeBy(actor, now, order.Reason))).GrantId!.Value;
        var view = new GrantRow
        {
            Id = id, Feature = feature.Handle, Kind = feature.Kind, Amount = value.Amount, IsUnlimited = value.Unlimited, Reason = order.Reason,
            GrantedBy = actor, ValidFrom = order.ValidFrom, ValidUntil = order.ValidUntil, CreatedAt = now,
        }.View(now);
        return new WriteOutcome(StatusCodes.Status201Created, view, $"{CustomerPath(key)}/grants/{id}");
    }

    /// <summary>Revokes a grant at once (204). Revoking a revoked grant changes nothing and still answers 204.</summary>
    public async Task<WriteOutcome> RevokeGrantAsync(DbConnection c, DbTransaction tx, DateTime now, string actor, string reason, string key, long id)
    {
        var (result, _) = await changes.RevokeGrantAsync(c, tx, key, id, new ChangeBy(actor, now, reason));
        return result == GrantRevocation.NotFound
            ? WriteOutcome.Failed(ApiProblems.NotFoundProblem($"Customer '{key}' has no grant {id}."))
            : new WriteOutcome(StatusCodes.Status204NoContent);
    }
}
