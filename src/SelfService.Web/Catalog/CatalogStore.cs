using System.Data.Common;
using Dapper;
using SelfService.Data;

namespace SelfService.Catalog;

/// <summary>Writes and reads the catalog: features, plans and add-ons with their entitlements.</summary>
public sealed class CatalogStore(Db db)
{
    internal string InsertFeatureSql => db.Dialect.InsertReturningId("Feature", "Handle", "Name", "Description", "Kind", "Unit", "Aggregation", "NoCountryPolicy", "AssignedSeats", "CreatedAt");

    public Task<long> CreateFeatureAsync(DbConnection c, DbTransaction tx, Feature f, DateTime now) =>
        c.ExecuteScalarAsync<long>(
            InsertFeatureSql,
            new { f.Handle, f.Name, f.Description, Kind = f.Kind.ToString(), f.Unit, Aggregation = f.Aggregation?.ToString(),
                NoCountryPolicy = f.NoCountryPolicy == NoCountryPolicy.Anywhere ? "anywhere" : "deny", f.AssignedSeats, CreatedAt = now }, tx);

    internal string InsertPlanSql => db.Dialect.InsertReturningId("PricePlan", "Code", "Version", "Family", "Name", "Description", "MonthlyPriceCents", "RequiresApproval", "CreatedAt");

    public async Task<long> CreatePlanAsync(DbConnection c, DbTransaction tx, PricePlan p, IEnumerable<PlanEntitlement> entitlements, DateTime now)
    {
        var id = await c.ExecuteScalarAsync<long>(
            InsertPlanSql,
            new { p.Code, p.Version, p.Family, p.Name, p.Description, p.MonthlyPriceCents, p.RequiresApproval, CreatedAt = now }, tx);
        await c.ExecuteAsync(InsertPlanEntitlementSql, entitlements.Select(e => e with { PlanId = id }), tx);
        return id;
    }

    internal const string InsertPlanEntitlementSql = """
        insert into PlanEntitlement (PlanId, FeatureId, Amount, IsUnlimited, HardCap, Regions)
        values (@PlanId, @FeatureId, @Amount, @IsUnlimited, @HardCap, @Regions)
        """;

    internal string InsertAddOnSql => db.Dialect.InsertReturningId("AddOn", "Code", "Version", "Family", "Name", "Description", "MonthlyPriceCents", "MaxQuantity", "RequiresApproval", "CreatedAt");

    public async Task<long> CreateAddOnAsync(DbConnection c, DbTransaction tx, AddOn a, IEnumerable<AddOnEntitlement> entitlements, DateTime now)
    {
        var id = await c.ExecuteScalarAsync<long>(
            InsertAddOnSql,
            new { a.Code, a.Version, a.Family, a.Name, a.Description, a.MonthlyPriceCents, a.MaxQuantity, a.RequiresApproval, CreatedAt = now }, tx);
        await c.ExecuteAsync(InsertAddOnEntitlementSql, entitlements.Select(e => e with { AddOnId = id }), tx);
        return id;
    }

    internal const string InsertAddOnEntitlementSql = """
        insert into AddOnEntitlement (AddOnId, FeatureId, Amount, IsUnlimited, Regions)
        values (@AddOnId, @FeatureId, @Amount, @IsUnlimited, @Regions)
        """;

    internal const string FeaturesSql = """
        select Id, Handle, Name, Description, Kind, Unit, Aggregation, NoCountryPolicy, AssignedSeats
          from Feature
         order by Handle
        """;

    public async Task<IReadOnlyList<Feature>> FeaturesAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<Feature>(new CommandDefinition(FeaturesSql, cancellationToken: ct))).AsList();
    }

    internal const string SnapshotSql = """
        select Id, Handle, Name, Description, Kind, Unit, Aggregation, NoCountryPolicy, AssignedSeats from Feature order by Handle;
        select Id, Code, Version, Family, Name, Description, MonthlyPriceCents, RequiresApproval, SupersededById
          from PricePlan order by Family, MonthlyPriceCents, Code, Version;
        select PlanId, FeatureId, Amount, IsUnlimited, HardCap, Regions from PlanEntitlement;
        select Id, Code, Version, Family, Name, Description, MonthlyPriceCents, MaxQuantity, RequiresApproval, SupersededById
          from AddOn order by Family, MonthlyPriceCents, Code, Version;
        select AddOnId, FeatureId, Amount, IsUnlimited, Regions from AddOnEntitlement;
        """;

    /// <summary>The whole catalog in one round trip: every feature, plan and add-on version with its entitlements.</summary>
    public async Task<CatalogSnapshot> SnapshotAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        using var grid = await connection.QueryMultipleAsync(new CommandDefinition(SnapshotSql, cancellationToken: ct));
        return new CatalogSnapshot(
            (await grid.ReadAsync<Feature>()).AsList(),
            (await grid.ReadAsync<PricePlan>()).AsList(),
            (await grid.ReadAsync<PlanEntitlement>()).AsList(),
            (await grid.ReadAsync<AddOn>()).AsList(),
            (await grid.ReadAsync<AddOnEntitlement>()).AsList());
    }
}

/// <summary>The catalog at one moment. "Current" plans and add-ons are those not superseded by a newer version.</summary>
public sealed record CatalogSnapshot(
    IReadOnlyList<Feature> Features,
    IReadOnlyList<PricePlan> Plans,
    IReadOnlyList<PlanEntitlement> PlanEntitlements,
    IReadOnlyList<AddOn> AddOns,
    IReadOnlyList<AddOnEntitlement> AddOnEntitlements)
{
    public IEnumerable<PricePlan> CurrentPlans => Plans.Where(p => p.SupersededById is null);
    public IEnumerable<AddOn> CurrentAddOns => AddOns.Where(a => a.SupersededById is null);

    public IReadOnlyList<PlanEntitlement> EntitlementsOf(PricePlan plan) => PlanEntitlements.Where(e => e.PlanId == plan.Id).ToList();
    public IReadOnlyList<AddOnEntitlement> EntitlementsOf(AddOn addOn) => AddOnEntitlements.Where(e => e.AddOnId == addOn.Id).ToList();

    /// <summary>Features some plan or add-on of <paramref name="family"/> offers: what a customer of that family could have.</summary>
    public IReadOnlySet<long> FeaturesOfFamily(string family) =>
        CurrentPlans.Where(p => p.Family == family).SelectMany(EntitlementsOf).Select(e => e.FeatureId)
            .Concat(CurrentAddOns.Where(a => a.Family == family).SelectMany(EntitlementsOf).Select(e => e.FeatureId))
            .ToHashSet();
}
