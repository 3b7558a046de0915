using System.Data;
using System.Data.Common;
using DbUp;
using DbUp.Builder;
using Hangfire;
using Hangfire.SqlServer;
using Microsoft.Data.SqlClient;

namespace SelfService.Data;

public sealed class SqlServerDialect : SqlDialect
{
    public override DatabaseProvider Provider => DatabaseProvider.SqlServer;

    public override string InsertReturningId(string table, params string[] columns) =>
        // Not an OUTPUT clause: SQL Server refuses one without INTO on a table with triggers (see 0008_entitlement_stamp).
        $"insert into {table} ({string.Join(", ", columns)}) values ({Params(columns)}); select cast(scope_identity() as bigint);";

    public override string InsertIgnoringDuplicates(string table, string[] columns, string[] keyColumns, string[]? textKeys = null) =>
        $"""
        insert into {table} ({string.Join(", ", columns)})
        select {Params(columns)}
         where not exists (select 1 from {table} with (updlock, holdlock)
                            where {string.Join(" and ", keyColumns.Select(k => textKeys?.Contains(k) == true ? SameText(k, "@" + k) : $"{k} = @{k}"))})
        """;

    // "=" ignores trailing spaces in every collation; equal lengths in bytes rule that out (see 0009_case_sensitive_event_ids).
    public override string SameText(string column, string parameter) => $"{column} = {parameter} and datalength({column}) = datalength({parameter})";

    public override string Upsert(string table, string[] columns, string[] keyColumns, Func<Func<string, string>, string> updateSet) =>
        $"""
        merge {table} with (holdlock) as t
        using (values ({Params(columns)})) as s ({string.Join(", ", columns)})
           on {string.Join(" and ", keyColumns.Select(k => $"t.{k} = s.{k}"))}
         when matched then update set {updateSet(c => "s." + c)}
         when not matched then insert ({string.Join(", ", columns)}) values ({string.Join(", ", columns.Select(c => "s." + c))});
        """;

    public override string Page(string orderBy) => $"order by {orderBy} offset @Offset rows fetch next @Limit rows only";

    public override string DayOf(string column) => $"cast({column} as date)";

    public override string LockingRows(string select, string table) =>
        select.Insert(FromClause(select, table), " with (updlock, rowlock)");

    public override DbTransaction BeginWriteTransaction(DbConnection connection) =>
        connection.BeginTransaction(IsolationLevel.ReadCommitted);

    public override DbConnection CreateConnection(string connectionString) => new SqlConnection(connectionString);

    public override bool IsUniqueViolation(DbException e) => e is SqlException { Number: 2627 or 2601 };

    public override TimeSpan RollupSafetyLag => TimeSpan.FromMinutes(1);

    public override string MigrationsFolder => "sqlserver";

    public override UpgradeEngineBuilder Deploy(string connectionString)
    {
        EnsureDatabase.For.SqlDatabase(connectionString);
        return DeployChanges.To.SqlDatabase(connectionString);
    }

    // Readers see the last committed version instead of waiting on writers, and a statement that
    // reads rollups and raw events together sees one consistent snapshot of both.
    public override void AfterMigrations(DbConnection connection) => Execute(connection, """
        if (select is_read_committed_snapshot_on from sys.databases where name = db_name()) = 0
            exec('alter database current set read_committed_snapshot on with rollback immediate');
        """);

    public override JobStorage CreateJobStorage(string connectionString) => new SqlServerStorage(connectionString, new SqlServerStorageOptions
    {
        PrepareSchemaIfNecessary = true,
        SchemaName = "HangFire",
        QueuePollInterval = TimeSpan.Zero,
        SlidingInvisibilityTimeout = TimeSpan.FromMinutes(5),
        UseRecommendedIsolationLevel = true,
        DisableGlobalLocks = true,
    });
}
