using Dapper;
using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Data;

namespace SelfService.Entitlements;

/// <summary>A customer's subscription and effective entitlements at one instant.</summary>
public sealed record AccountEntitlements(
    Customer Customer,
    Subscription Subscription,
    PricePlan Plan,
    IReadOnlyList<(AddOn AddOn, int Quantity)> AddOns,
    IReadOnlyList<EntitlementGrant> Grants,
    IReadOnlyList<Feature> AllFeatures,
    IReadOnlyList<EffectiveEntitlement> Entitlements,
    DateTime At)
{
    /// <summary>The regions and embargo list the rules were judged against.</summary>
    public RegionCatalog Regions { get; init; } = RegionCatalog.Empty;

    /// <summary>Where the entitlements were computed for.</summary>
    public Where Where { get; init; } = Where.Anywhere;

    /// <summary>
    /// The plan change still ahead of <see cref="At"/> (shown as "changes to Starter on 1 Jan", cancellable until then);
    /// null when there is none, or once its instant has come (then <see cref="Plan"/> is already the new plan).
    /// </summary>
    public ScheduledPlan? Scheduled { get; init; }

    public bool IsActive => Subscription.Status == SubscriptionStatus.Active;

    public EffectiveEntitlement? For(string handle) => Entitlements.FirstOrDefault(e => e.Feature.Handle == handle);
}

/// <summary>
/// Loads a subscription and hands it to <see cref="EntitlementEngine"/>, which computes it for the instant asked.
/// What it loads is kept per customer under the database's entitlement stamp (migration 0008: triggers move it on every
/// change to a customer, subscription, add-on, grant or the catalog), so while nothing changed an account costs one
/// small read, and a change made by any process is seen by the next read of every process.
/// </summary>
public sealed class EntitlementService(Db db, Stamps stamps, TimeProvider clock)
{

    private const int MaxCachedCustomers = 20_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Loaded> _loaded = new(StringComparer.Ordinal);

    /// <summary>One customer's rows as of <see cref="Stamp"/>; <see cref="Inputs"/> is null when there is no such account.</summary>
    private sealed record Loaded(long Stamp, Customer? Customer, Subscription? Subscription, EntitlementInputs? Inputs);

    internal const string LoadSql = """
        select c.Id, c.ExternalKey, c.Name
          from Customer c
         where c.ExternalKey = @customer;

        select s.Id, s.CustomerId, s.PlanId, s.Status, s.BillingAnchorDay, s.StartedAt
          from Subscription s
          join Customer c on c.Id = s.CustomerId
         where c.ExternalKey = @customer;

        select p.Id, p.Code, p.Version, p.Family, p.Name, p.Description, p.MonthlyPriceCents, p.RequiresApproval, p.SupersededById
          from PricePlan p
          join Subscription s on s.PlanId = p.Id
          join Customer c on c.Id = s.CustomerId
         where c.ExternalKey = @customer;

        select pe.PlanId, pe.FeatureId, pe.Amount, pe.IsUnlimited, pe.HardCap, pe.Regions
          from PlanEntitlement pe
          join Subscription s on s.PlanId = pe.PlanId
          join Customer c on c.Id = s.CustomerId
         where c.ExternalKey = @customer;

        select a.Id, a.Code, a.Version, a.Family, a.Name, a.Description, a.MonthlyPriceCents, a.MaxQuantity, a.RequiresApproval,
               a.SupersededById, sa.Quantity
          from SubscriptionAddOn sa
          join AddOn a on a.Id = sa.AddOnId
          join Subscription s on s.Id = sa.SubscriptionId
          join Customer c on c.Id = s.CustomerId
         where c.ExternalKey = @customer
         order by a.Name;

        select ae.AddOnId, ae.FeatureId, ae.Amount, ae.IsUnlimited, ae.Regions
          from AddOnEntitlement ae
          join SubscriptionAddOn sa on sa.AddOnId = ae.AddOnId
          join Subscription s on s.Id = sa.SubscriptionId
          join Customer c on c.Id = s.CustomerId
         where c.ExternalKey = @customer;

        select g.Id, g.SubscriptionId, g.FeatureId, g.Amount, g.IsUnlimited, g.Reason, g.GrantedBy,
               g.ValidFrom, g.ValidUntil, g.CreatedAt, g.RevokedAt, g.Regions
          from EntitlementGrant g
          join Subscription s on s.Id = g.SubscriptionId
          join Customer c on c.Id = s.CustomerId
         where c.ExternalKey = @customer and g.RevokedAt is null
         order by g.CreatedAt;

        select f.Id, f.Handle, f.Name, f.Description, f.Kind, f.Unit, f.Aggregation, f.NoCountryPolicy, f.AssignedSeats
          from Feature f
         order by f.Handle;

        select Code, Name, Countries, CreatedAt from Region order by Code;

        select Country from EmbargoCountry order by Country;

        select sc.Id, sc.SubscriptionId, sc.FromPlanId, sc.ToPlanId, sc.EffectiveAt, sc.State, sc.RequestId, sc.CreatedAt, sc.CreatedBy
          from ScheduledPlanChange sc
          join Subscription s on s.Id = sc.SubscriptionId
          join Customer c on c.Id = s.CustomerId
         where c.ExternalKey = @customer and sc.State = 'Pending';

        select p.Id, p.Code, p.Version, p.Family, p.Name, p.Description, p.MonthlyPriceCents, p.RequiresApproval, p.SupersededById
          from PricePlan p
          join ScheduledPlanChange sc on sc.ToPlanId = p.Id
          join Subscription s on s.Id = sc.SubscriptionId
          join Customer c on c.Id = s.CustomerId
         where c.ExternalKey = @customer and sc.State = 'Pending';

        select pe.PlanId, pe.FeatureId, pe.Amount, pe.IsUnlimited, pe.HardCap, pe.Regions
          from PlanEntitlement pe
          join ScheduledPlanChange sc on sc.ToPlanId = pe.PlanId
          join Subscription s on s.Id = sc.SubscriptionId
          join Customer c on c.Id = s.CustomerId
         where c.ExternalKey = @customer and sc.State = 'Pending';
        """;

    /// <summary>
    /// The account at <paramref name="at"/> (now by default) as seen from <paramref name="where"/> (anywhere by default:
    /// every source counts), or null when no such customer has a subscription.
    /// </summary>
    public async Task<AccountEntitlements?> ForCustomerAsync(string customerKey, DateTime? at = null, CancellationToken ct = default, Where? where = null)
    {
        where ??= Where.Anywhere;
        var instant = at ?? clock.GetUtcNow().UtcDateTime;
        // The stamp is read before the rows: rows newer than their stamp only cost a reload later, never a stale answer.
        var stamp = (await stamps.CurrentAsync(ct)).Entitlements;
        if (!_loaded.TryGetValue(customerKey, out var loaded) || loaded.Stamp != stamp)
        {
            await using var connection = await db.OpenAsync(ct);
            loaded = await LoadAsync(connection, customerKey, stamp, ct);
            if (_loaded.Count >= MaxCachedCustomers) _loaded.Clear();
            _loaded[customerKey] = loaded;
        }
        if (loaded.Inputs is not { } inputs) return null;
        return new AccountEntitlements(loaded.Customer!, loaded.Subscription!, inputs.PlanAt(instant).Plan, inputs.AddOns, inputs.Grants, inputs.Features,
            EntitlementEngine.Compute(inputs, instant, where), instant)
        {
            Regions = inputs.RegionCatalog, Where = where, Scheduled = inputs.PendingAt(instant),
        };
    }

    internal const string CustomerKeySql = "select ExternalKey from Customer where Id = @id";

    /// <summary>
    /// The account's subscription and effective entitlements at <paramref name="at"/>, read on the caller's transaction
    /// (so it sees the change being made) and never cached: what the outbound events of a change compare.
    /// </summary>
    public async Task<AccountState?> StateAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, long customerId, DateTime at)
    {
        var key = await c.ExecuteScalarAsync<string?>(CustomerKeySql, new { id = customerId }, tx);
        if (key is null) return null;
        var loaded = await LoadAsync(c, key, 0, default, tx);
        if (loaded.Inputs is not { } inputs) return null;
        var active = loaded.Subscription!.Status == SubscriptionStatus.Active;
        var effective = EntitlementEngine.Compute(inputs, at).ToDictionary(e => e.Feature.Id);
        var values = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var feature in inputs.Features)
        {
            var e = active ? effective.GetValueOrDefault(feature.Id) : null;
            values[feature.Handle] = feature.Kind == FeatureKind.Boolean ? e?.HasAccess ?? false
                : e is null ? null
                : e.Unlimited ? "unlimited"
                : e.Value.Amount ?? 0;
        }
        var plan = inputs.PlanAt(at).Plan;
        return new AccountState(key, plan.Code, plan.Version, loaded.Subscription.Status.ToString().ToLowerInvariant(),
            loaded.Subscription.BillingAnchorDay,
            inputs.AddOns.Where(a => a.Quantity > 0).Select(a => new AddOnHeld(a.AddOn.Code, a.Quantity)).OrderBy(a => a.Code, StringComparer.Ordinal).ToList(),
            values)
        {
            Scheduled = inputs.PendingAt(at) is { } p ? new ScheduledChangeHeld(p.Plan.Code, p.Plan.Version, p.Change.EffectiveAt) : null,
        };
    }

    private static async Task<Loaded> LoadAsync(System.Data.Common.DbConnection connection, string customerKey, long stamp, CancellationToken ct,
        System.Data.Common.DbTransaction? tx = null)
    {
        using var grid = await connection.QueryMultipleAsync(new CommandDefinition(LoadSql, new { customer = customerKey }, tx, cancellationToken: ct));
        var customer = await grid.ReadSingleOrDefaultAsync<Customer>();
        var subscription = await grid.ReadSingleOrDefaultAsync<Subscription>();
        var plan = await grid.ReadSingleOrDefaultAsync<PricePlan>();
        var planEntitlements = (await grid.ReadAsync<PlanEntitlement>()).AsList();
        var addOns = (await grid.ReadAsync<AddOnRow>()).Select(r => (r.ToAddOn(), r.Quantity)).ToList();
        var addOnEntitlements = (await grid.ReadAsync<AddOnEntitlement>()).AsList();
        var grants = (await grid.ReadAsync<EntitlementGrant>()).AsList();
        var features = (await grid.ReadAsync<Feature>()).AsList();
        var regions = new RegionCatalog(await grid.ReadAsync<Region>(), await grid.ReadAsync<string>());
        var scheduledChange = await grid.ReadSingleOrDefaultAsync<ScheduledPlanChange>();
        var scheduledPlan = await grid.ReadSingleOrDefaultAsync<PricePlan>();
        var scheduledEntitlements = (await grid.ReadAsync<PlanEntitlement>()).AsList();
        if (customer is null || subscription is null || plan is null) return new Loaded(stamp, null, null, null);
        var scheduled = scheduledChange is not null && scheduledPlan is not null ? new ScheduledPlan(scheduledChange, scheduledPlan, scheduledEntitlements) : null;
        return new Loaded(stamp, customer, subscription, new EntitlementInputs(features, plan, planEntitlements, addOns, addOnEntitlements, grants, regions, scheduled));
    }

    private sealed record AddOnRow
    {
        public long Id { get; init; }
        public string Code { get; init; } = "";
        public int Version { get; init; }
        public string Family { get; init; } = "";
        public string Name { get; init; } = "";
        public string Description { get; init; } = "";
        public long MonthlyPriceCents { get; init; }
        public int MaxQuantity { get; init; }
        public bool RequiresApproval { get; init; }
        public long? SupersededById { get; init; }
        public int Quantity { get; init; }

        public AddOn ToAddOn() => new()
        {
            Id = Id, Code = Code, Version = Version, Family = Family, Name = Name, Description = Description,
            MonthlyPriceCents = MonthlyPriceCents, MaxQuantity = MaxQuantity, RequiresApproval = RequiresApproval,
            SupersededById = SupersededById,
        };
    }
}
