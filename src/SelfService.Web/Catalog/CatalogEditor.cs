using System.Data.Common;
using System.Globalization;
using Dapper;
using SelfService.Audit;
using SelfService.Data;
using SelfService.Shared;

namespace SelfService.Catalog;

/// <summary>How much of the catalog is in use: subscriptions per plan and add-on version, and features something refers to.</summary>
public sealed record CatalogUsage(IReadOnlyDictionary<long, int> SubscriptionsByPlan, IReadOnlyDictionary<long, int> SubscriptionsByAddOn, IReadOnlySet<long> FeaturesInUse)
{
    public int OnPlan(long planId) => SubscriptionsByPlan.GetValueOrDefault(planId);
    public int OnAddOn(long addOnId) => SubscriptionsByAddOn.GetValueOrDefault(addOnId);
}

/// <summary>What a save did, in words for the operator.</summary>
public sealed record CatalogChange(long Id, string Message);

/// <summary>
/// The operators' catalog changes. A feature's handle, kind and aggregation are fixed once anything refers to it
/// (apps check it by handle, and usage was counted by its aggregation). A plan or add-on nobody is subscribed to is
/// edited in place; one in use is superseded by a new version, and its subscriptions keep the old version until moved.
/// Every change writes its audit entry in the same transaction.
/// </summary>
public sealed class CatalogEditor(Db db, CatalogStore store, AuditLog audit, TimeProvider clock)
{

    internal const string UsageSql = """
        select PlanId as Id, count(*) as Subscriptions from Subscription group by PlanId;
        select AddOnId as Id, count(*) as Subscriptions from SubscriptionAddOn group by AddOnId;
        select f.Id
          from Feature f
         where exists (select 1 from PlanEntitlement x where x.FeatureId = f.Id)
            or exists (select 1 from AddOnEntitlement x where x.FeatureId = f.Id)
            or exists (select 1 from EntitlementGrant x where x.FeatureId = f.Id)
            or exists (select 1 from UsageEvent x where x.FeatureId = f.Id)
            or exists (select 1 from UsageHourly x where x.FeatureId = f.Id);
        """;

    public async Task<CatalogUsage> UsageAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        using var grid = await connection.QueryMultipleAsync(new CommandDefinition(UsageSql, cancellationToken: ct));
        var plans = (await grid.ReadAsync<(long Id, int Subscriptions)>()).ToDictionary(r => r.Id, r => r.Subscriptions);
        var addOns = (await grid.ReadAsync<(long Id, int Subscriptions)>()).ToDictionary(r => r.Id, r => r.Subscriptions);
        var features = (await grid.ReadAsync<long>()).ToHashSet();
        return new CatalogUsage(plans, addOns, features);
    }

    internal const string FeatureInUseSql = """
        select case when exists (select 1 from PlanEntitlement x where x.FeatureId = @id)
                      or exists (select 1 from AddOnEntitlement x where x.FeatureId = @id)
                      or exists (select 1 from EntitlementGrant x where x.FeatureId = @id)
                      or exists (select 1 from UsageEvent x where x.FeatureId = @id)
                      or exists (select 1 from UsageHourly x where x.FeatureId = @id)
                    then 1 else 0 end
        """;

    internal const string FeatureByHandleSql = "select Id from Feature where Handle = @handle";

    internal const string UpdateFeatureSql = """
        update Feature
           set Handle = @Handle, Name = @Name, Description = @Description, Kind = @Kind, Unit = @Unit, Aggregation = @Aggregation,
               NoCountryPolicy = @NoCountryPolicy, AssignedSeats = @AssignedSeats
         where Id = @Id
        """;

    internal const string FeatureSql = "select Id, Handle, Name, Description, Kind, Unit, Aggregation, NoCountryPolicy, AssignedSeats from Feature where Id = @id";

    internal string FeatureByIdSql => db.Dialect.LockingRows(FeatureSql, "Feature");

    public Task<EditResult<CatalogChange>> SaveFeatureAsync(long? id, FeatureInput input, string actor, CancellationToken ct = default)
    {
        var (feature, errors) = input.Validate();
        if (feature is null) return Task.FromResult(EditResult<CatalogChange>.Failed(errors));
        return db.WriteAsync(async (c, tx) =>
        {
            var now = Now;
            var holder = await c.ExecuteScalarAsync<long?>(FeatureByHandleSql, new { handle = feature.Handle }, tx);
            if (holder is { } other && other != id)
                return EditResult<CatalogChange>.Failed(nameof(FeatureInput.Handle), $"Another feature already has the handle {feature.Handle}; handles are unique.");
            if (id is null)
            {
                var newId = await store.CreateFeatureAsync(c, tx, feature, now);
                await audit.WriteAsync(c, tx, new AuditEntry { At = now, Actor = actor, Kind = AuditKinds.FeatureCreated, Subject = $"feature {feature.Handle}", NewValue = Describe(feature) });
                return EditResult<CatalogChange>.Success(new CatalogChange(newId, $"Created the feature {feature.Handle}."));
            }

            var existing = await c.QuerySingleOrDefaultAsync<Feature>(FeatureByIdSql, new { id }, tx);
            if (existing is null) return EditResult<CatalogChange>.Failed(FormErrors.NotFoundField, "There is no such feature.");
            if (await c.ExecuteScalarAsync<int>(FeatureInUseSql, new { id }, tx) == 1)
            {
                var locked = new InputErrors();
                if (feature.Handle != existing.Handle)
                    locked.Add(nameof(FeatureInput.Handle), $"The handle is fixed: {existing.Handle} is in use, and apps check entitlements by it.");
                if (feature.Kind != existing.Kind)
                    locked.Add(nameof(FeatureInput.Kind), "The kind is fixed once the feature is in use: plans, grants and usage rely on it.");
                if (feature.Aggregation != existing.Aggregation)
                    locked.Add(nameof(FeatureInput.Aggregation), "The aggregation is fixed once the feature is in use: usage already counted by it would change meaning.");
                if (locked.Count > 0) return EditResult<CatalogChange>.Failed(locked);
            }
            var updated = feature with { Id = existing.Id };
            await c.ExecuteAsync(UpdateFeatureSql, new
            {
                updated.Id, updated.Handle, updated.Name, updated.Description, Kind = updated.Kind.ToString(), updated.Unit, Aggregation = updated.Aggregation?.ToString(),
                NoCountryPolicy = Policy(updated.NoCountryPolicy), updated.AssignedSeats,
            }, tx);
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = now, Actor = actor, Kind = AuditKinds.FeatureUpdated, Subject = $"feature {updated.Handle}", OldValue = Describe(existing), NewValue = Describe(updated),
            });
            return EditResult<CatalogChange>.Success(new CatalogChange(existing.Id, $"Saved the feature {updated.Handle}."));
        }, ct);
    }

    internal const string PlanCodeExistsSql = "select count(*) from PricePlan where Code = @code";
    internal const string PlanNextVersionSql = "select max(Version) + 1 from PricePlan where Code = @code";
    internal const string PlanSubscriptionsSql = "select count(*) from Subscription where PlanId = @id";
    internal const string PlanEntitlementsSql = "select PlanId, FeatureId, Amount, IsUnlimited, HardCap, Regions from PlanEntitlement where PlanId = @id";
    internal const string DeletePlanEntitlementsSql = "delete from PlanEntitlement where PlanId = @id";
    internal const string SupersedePlanSql = "update PricePlan set SupersededById = @newId where Id = @id";

    internal const string UpdatePlanSql = """
        update PricePlan
           set Family = @Family, Name = @Name, Description = @Description, MonthlyPriceCents = @MonthlyPriceCents, RequiresApproval = @RequiresApproval
         where Id = @Id
        """;

    internal const string PlanSql = """
        select Id, Code, Version, Family, Name, Description, MonthlyPriceCents, RequiresApproval, SupersededById
          from PricePlan
         where Id = @id
        """;

    internal string PlanByIdSql => db.Dialect.LockingRows(PlanSql, "PricePlan");

    /// <summary>Creates a plan (no id), edits one nobody is on, or supersedes one in use with a new version.</summary>
    public async Task<EditResult<CatalogChange>> SavePlanAsync(long? id, OfferInput input, string actor, CancellationToken ct = default)
    {
        var features = await store.FeaturesAsync(ct);
        var (plan, entitlements, errors) = input.ValidatePlan(features, await RegionCodesAsync(ct));
        return plan is null ? EditResult<CatalogChange>.Failed(errors) : await SaveAsync(Plans, id, plan, entitlements, features, actor, ct);
    }

    internal const string AddOnCodeExistsSql = "select count(*) from AddOn where Code = @code";
    internal const string AddOnNextVersionSql = "select max(Version) + 1 from AddOn where Code = @code";
    internal const string AddOnSubscriptionsSql = "select count(*) from SubscriptionAddOn where AddOnId = @id";
    internal const string AddOnEntitlementsSql = "select AddOnId, FeatureId, Amount, IsUnlimited, Regions from AddOnEntitlement where AddOnId = @id";
    internal const string DeleteAddOnEntitlementsSql = "delete from AddOnEntitlement where AddOnId = @id";
    internal const string SupersedeAddOnSql = "update AddOn set SupersededById = @newId where Id = @id";

    internal const string UpdateAddOnSql = """
        update AddOn
           set Family = @Family, Name = @Name, Description = @Description, MonthlyPriceCents = @MonthlyPriceCents,
               MaxQuantity = @MaxQuantity, RequiresApproval = @RequiresApproval
         where Id = @Id
        """;

    internal const string AddOnSql = """
        select Id, Code, Version, Family, Name, Description, MonthlyPriceCents, MaxQuantity, RequiresApproval, SupersededById
          from AddOn
         where Id = @id
        """;

    internal string AddOnByIdSql => db.Dialect.LockingRows(AddOnSql, "AddOn");

    /// <summary>Creates an add-on (no id), edits one nobody has, or supersedes one in use with a new version.</summary>
    public async Task<EditResult<CatalogChange>> SaveAddOnAsync(long? id, OfferInput input, string actor, CancellationToken ct = default)
    {
        var features = await store.FeaturesAsync(ct);
        var (addOn, entitlements, errors) = input.ValidateAddOn(features, await RegionCodesAsync(ct));
        return addOn is null ? EditResult<CatalogChange>.Failed(errors) : await SaveAsync(AddOns, id, addOn, entitlements, features, actor, ct);
    }

    /// <summary>How plans and add-ons differ where they are saved: their tables, words and audit kinds.</summary>
    private sealed record OfferRules<TOffer, TEntitlement>(
        string Noun, string Article, string CreatedKind, string UpdatedKind, string SupersededKind, string FamilyFixed,
        string CodeExistsSql, string ByIdSql, string EntitlementsSql, string SubscriptionsSql, string UpdateSql, string DeleteEntitlementsSql,
        string InsertEntitlementSql, string NextVersionSql, string SupersedeSql,
        Func<DbConnection, DbTransaction, TOffer, IReadOnlyList<TEntitlement>, DateTime, Task<long>> Create,
        Func<TOffer, long, int, TOffer> WithIdAndVersion, Func<TEntitlement, long, TEntitlement> WithOwner,
        Func<TOffer, IReadOnlyList<TEntitlement>, IReadOnlyList<Feature>, string> Describe) where TOffer : IOffer;

    private OfferRules<PricePlan, PlanEntitlement> Plans => new(
        "plan", "A", AuditKinds.PlanCreated, AuditKinds.PlanUpdated, AuditKinds.PlanSuperseded,
        "Subscriptions move between versions of one family; the family of a plan in use is fixed.",
        PlanCodeExistsSql, PlanByIdSql, PlanEntitlementsSql, PlanSubscriptionsSql, UpdatePlanSql, DeletePlanEntitlementsSql,
        CatalogStore.InsertPlanEntitlementSql, PlanNextVersionSql, SupersedePlanSql,
        (c, tx, p, e, now) => store.CreatePlanAsync(c, tx, p, e, now),
        (p, id, version) => p with { Id = id, Version = version }, (e, id) => e with { PlanId = id }, (p, e, f) => Describe(p, e, f));

    private OfferRules<AddOn, AddOnEntitlement> AddOns => new(
        "add-on", "An", AuditKinds.AddOnCreated, AuditKinds.AddOnUpdated, AuditKinds.AddOnSuperseded,
        "The family of an add-on in use is fixed.",
        AddOnCodeExistsSql, AddOnByIdSql, AddOnEntitlementsSql, AddOnSubscriptionsSql, UpdateAddOnSql, DeleteAddOnEntitlementsSql,
        CatalogStore.InsertAddOnEntitlementSql, AddOnNextVersionSql, SupersedeAddOnSql,
        (c, tx, a, e, now) => store.CreateAddOnAsync(c, tx, a, e, now),
        (a, id, version) => a with { Id = id, Version = version }, (e, id) => e with { AddOnId = id }, (a, e, f) => Describe(a, e, f));

    private Task<EditResult<CatalogChange>> SaveAsync<TOffer, TEntitlement>(OfferRules<TOffer, TEntitlement> rules, long? id, TOffer offer,
        IReadOnlyList<TEntitlement> entitlements, IReadOnlyList<Feature> features, string actor, CancellationToken ct) where TOffer : IOffer =>
        db.WriteAsync(async (c, tx) =>
        {
            var now = Now;
            var noun = rules.Noun;
            if (id is null)
            {
                if (await c.ExecuteScalarAsync<int>(rules.CodeExistsSql, new { code = offer.Code }, tx) > 0)
                    return EditResult<CatalogChange>.Failed(nameof(OfferInput.Code), $"{rules.Article} {noun} with the code {offer.Code} exists already; codes are unique.");
                var created = rules.WithIdAndVersion(offer, offer.Id, 1);
                var newId = await rules.Create(c, tx, created, entitlements, now);
                await audit.WriteAsync(c, tx, new AuditEntry
                {
                    At = now, Actor = actor, Kind = rules.CreatedKind, Subject = $"{noun} {offer.Code} v1", NewValue = rules.Describe(created, entitlements, features),
                });
                return EditResult<CatalogChange>.Success(new CatalogChange(newId, $"Created the {noun} {offer.Name} ({offer.Code} v1)."));
            }

            var existing = await c.QuerySingleOrDefaultAsync<TOffer>(rules.ByIdSql, new { id }, tx);
            if (existing is null) return EditResult<CatalogChange>.Failed(FormErrors.NotFoundField, $"There is no such {noun}.");
            if (existing.SupersededById is not null)
                return EditResult<CatalogChange>.Failed(FormErrors.NotFoundField, $"{existing.Code} v{existing.Version} has been superseded; change the newest version instead.");
            if (offer.Code != existing.Code)
                return EditResult<CatalogChange>.Failed(nameof(OfferInput.Code), $"{rules.Article} {noun}'s code is fixed; create a new {noun} for a new code.");
            var oldEntitlements = (await c.QueryAsync<TEntitlement>(rules.EntitlementsSql, new { id }, tx)).AsList();
            var subscriptions = await c.ExecuteScalarAsync<int>(rules.SubscriptionsSql, new { id }, tx);
            if (subscriptions == 0)
            {
                var updated = rules.WithIdAndVersion(offer, existing.Id, existing.Version);
                await c.ExecuteAsync(rules.UpdateSql, updated, tx);
                await c.ExecuteAsync(rules.DeleteEntitlementsSql, new { id }, tx);
                await c.ExecuteAsync(rules.InsertEntitlementSql, entitlements.Select(e => rules.WithOwner(e, existing.Id)), tx);
                await audit.WriteAsync(c, tx, new AuditEntry
                {
                    At = now, Actor = actor, Kind = rules.UpdatedKind, Subject = $"{noun} {existing.Code} v{existing.Version}",
                    OldValue = rules.Describe(existing, oldEntitlements, features), NewValue = rules.Describe(updated, entitlements, features),
                });
                return EditResult<CatalogChange>.Success(new CatalogChange(existing.Id, $"Saved {offer.Name} ({existing.Code} v{existing.Version})."));
            }

            if (offer.Family != existing.Family) return EditResult<CatalogChange>.Failed(nameof(OfferInput.Family), rules.FamilyFixed);
            var version = await c.ExecuteScalarAsync<int>(rules.NextVersionSql, new { code = existing.Code }, tx);
            var successor = rules.WithIdAndVersion(offer, offer.Id, version);
            var successorId = await rules.Create(c, tx, successor, entitlements, now);
            await c.ExecuteAsync(rules.SupersedeSql, new { id, newId = successorId }, tx);
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = now, Actor = actor, Kind = rules.SupersededKind, Subject = $"{noun} {existing.Code} v{existing.Version} → v{version}",
                OldValue = rules.Describe(existing, oldEntitlements, features), NewValue = rules.Describe(successor, entitlements, features),
            });
            return EditResult<CatalogChange>.Success(new CatalogChange(successorId,
                $"Created {existing.Code} v{version}. {Stay(subscriptions)} on v{existing.Version} until moved."));
        }, ct);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    internal const string RegionCodesSql = "select Code from Region";

    /// <summary>The codes a region rule may name besides countries.</summary>
    private async Task<IReadOnlyCollection<string>> RegionCodesAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<string>(new CommandDefinition(RegionCodesSql, cancellationToken: ct))).ToHashSet(StringComparer.Ordinal);
    }

    private static string Stay(int n) => n == 1 ? "1 subscription stays" : $"{n} subscriptions stay";

    public static string Describe(Feature f) =>
        (f.Kind == FeatureKind.Boolean ? $"{f.Name} ({f.Kind})" : $"{f.Name} ({f.Kind}, {f.Unit}, {f.Aggregation})")
        + (f.NoCountryPolicy == NoCountryPolicy.Anywhere ? ", without a country: anywhere all sources allow" : "")
        + (f.AssignedSeats ? ", assigned seats" : "");

    /// <summary>How <see cref="NoCountryPolicy"/> is stored.</summary>
    public static string Policy(NoCountryPolicy policy) => policy == NoCountryPolicy.Anywhere ? "anywhere" : "deny";

    private static string Values(IEnumerable<(long FeatureId, EntitlementValue Value, bool? HardCap, RegionRule? Rule)> rows, IReadOnlyList<Feature> features)
    {
        var handles = features.ToDictionary(f => f.Id);
        return string.Join(", ", rows
            .Where(r => handles.ContainsKey(r.FeatureId))
            .OrderBy(r => handles[r.FeatureId].Handle, StringComparer.Ordinal)
            .Select(r =>
            {
                var f = handles[r.FeatureId];
                var value = f.Kind == FeatureKind.Boolean ? "included" : r.Value.Unlimited ? "unlimited" : (r.Value.Amount ?? 0).ToString(CultureInfo.InvariantCulture);
                var regions = r.Rule is { } rule ? $" [{RegionRule.Word(rule.Mode)} {string.Join(" ", rule.Places)}]" : "";
                return (f.Kind == FeatureKind.Metered && r.HardCap is { } hard && !r.Value.Unlimited ? $"{f.Handle} {value} ({(hard ? "hard" : "soft")} cap)" : $"{f.Handle} {value}") + regions;
            }));
    }

    public static string Describe(PricePlan p, IEnumerable<PlanEntitlement> entitlements, IReadOnlyList<Feature> features) =>
        $"{p.Name}, {Money.Format(p.MonthlyPriceCents)}/month{(p.RequiresApproval ? ", needs approval" : "")}: " +
        Values(entitlements.Select(e => (e.FeatureId, e.Value, (bool?)e.HardCap, e.Rule)), features);

    public static string Describe(AddOn a, IEnumerable<AddOnEntitlement> entitlements, IReadOnlyList<Feature> features) =>
        $"{a.Name}, {Money.Format(a.MonthlyPriceCents)}/month, at most {a.MaxQuantity}{(a.RequiresApproval ? ", needs approval" : "")}: " +
        Values(entitlements.Select(e => (e.FeatureId, e.Value, (bool?)null, e.Rule)), features);
}
