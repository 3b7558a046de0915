using System.Reflection;
using SelfService.Analytics;
using SelfService.Audit;
using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Data;

namespace SelfService.Tests.Data;

/// <summary>The operators' statements built with the dialect (paging, locks, days) parse as T-SQL too.</summary>
public sealed class OperatorSqlTests
{
    [Fact]
    public void DialectBuiltStatements_ParseAsTSql()
    {
        var db = new Db(new DatabaseSettings(DatabaseProvider.SqlServer, "Server=unused;Database=unused", null));
        var catalog = new CatalogStore(db);
        var audit = new AuditLog(db);
        var usage = new SelfService.Metering.UsageService(db, TimeProvider.System, Microsoft.Extensions.Options.Options.Create(new SelfService.Metering.MeteringOptions()));
        var changes = new SubscriptionChanges(db, audit, new SelfService.Events.OutboundEvents(db),
            new SelfService.Entitlements.AccountStates(new SelfService.Entitlements.EntitlementService(db, new SelfService.Data.Stamps(db), TimeProvider.System)));
        object[] owners =
        [
            new CatalogEditor(db, catalog, audit, TimeProvider.System),
            new SubscriptionAdmin(db, catalog, changes, TimeProvider.System),
            changes,
            new AuditSearch(db),
            new UsageAnalytics(db, catalog, usage, TimeProvider.System),
            usage,
        ];
        var statements = owners.SelectMany(o => o.GetType()
                .GetProperties(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
                .Where(p => p.Name.EndsWith("Sql", StringComparison.Ordinal) && p.PropertyType == typeof(string))
                .Select(p => (Name: $"{o.GetType().Name}.{p.Name}", Sql: (string)p.GetValue(o)!)))
            .ToList();
        statements.Add(("UsageService.RolledUpSeriesSql(Day)", usage.RolledUpSeriesSql(SelfService.Metering.Granularity.Day)));
        statements.Add(("UsageService.RolledUpSeriesSql(Hour)", usage.RolledUpSeriesSql(SelfService.Metering.Granularity.Hour)));
        Assert.True(statements.Count >= 7, $"only {statements.Count} statements found");
        foreach (var (name, sql) in statements)
        {
            var errors = SqlServerScriptTests.Parse(sql);
            Assert.True(errors.Count == 0, $"{name}: {string.Join("; ", errors.Select(e => $"line {e.Line}: {e.Message}"))}\n{sql}");
        }
    }
}
