using System.Data.Common;
using Dapper;
using SelfService.Audit;
using SelfService.Data;

namespace SelfService.Catalog;

/// <summary>What a plan change is: the one definition of a downgrade the portal, requests and previews share.</summary>
public static class PlanChanges
{
    /// <summary>A move to a plan with a lower monthly price. Same price or higher is not a downgrade (it applies at once).</summary>
    public static bool IsDowngrade(PricePlan from, PricePlan to) => to.MonthlyPriceCents < from.MonthlyPriceCents;
}

/// <summary>The catalog-wide policies an Operator sets on the catalog page.</summary>
public sealed record CatalogPolicy(bool DowngradesNeedApproval);

/// <summary>
/// Reads and sets <see cref="CatalogPolicy"/> (table <c>CatalogPolicy</c>, one row per policy, audited). Without a row
/// a policy has its default: downgrades need no approval (they are scheduled for the end of the period).
/// </summary>
public sealed class CatalogPolicies(Db db, AuditLog audit, TimeProvider clock)
{
    public const string DowngradesNeedApprovalName = "downgrades-need-approval";

    internal const string ReadSql = "select Value from CatalogPolicy where Name = @name";

    internal string UpsertSql => db.Dialect.Upsert("CatalogPolicy", ["Name", "Value", "UpdatedAt", "UpdatedBy"], ["Name"],
        v => $"Value = {v("Value")}, UpdatedAt = {v("UpdatedAt")}, UpdatedBy = {v("UpdatedBy")}");

    public async Task<CatalogPolicy> ReadAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await ReadAsync(c, null);
    }

    public async Task<CatalogPolicy> ReadAsync(DbConnection c, DbTransaction? tx) =>
        new(await c.ExecuteScalarAsync<string?>(ReadSql, new { name = DowngradesNeedApprovalName }, tx) == "true");

    /// <summary>Sets whether downgrades need a vendor approval; false when it already was so (nothing written).</summary>
    public Task<bool> SetDowngradesNeedApprovalAsync(bool value, string actor, CancellationToken ct = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            var was = (await ReadAsync(c, tx)).DowngradesNeedApproval;
            if (was == value) return false;
            var now = clock.GetUtcNow().UtcDateTime;
            await c.ExecuteAsync(UpsertSql, new { Name = DowngradesNeedApprovalName, Value = value ? "true" : "false", UpdatedAt = now, UpdatedBy = actor }, tx);
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = now, Actor = actor, Kind = AuditKinds.CatalogPolicyChanged, Subject = $"policy {DowngradesNeedApprovalName}",
                OldValue = Word(was), NewValue = Word(value),
            });
            return true;
        }, ct);

    private static string Word(bool needsApproval) => needsApproval ? "downgrades need a vendor approval" : "downgrades need no approval (scheduled)";
}
