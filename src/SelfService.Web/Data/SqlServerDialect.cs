using System.Data;
using System.Data.Common;

namespace SelfService.Data;

public sealed class SqlServerDialect : SqlDialect
{
    public override DatabaseProvider Provider => DatabaseProvider.SqlServer;

    public override string InsertReturningId(string table, params string[] columns) =>
        // Not an OUTPUT clause: SQL Server refuses one without INTO on a table with triggers (see 0008_entitlement_stamp).
        $"insert into {table} ({string.Join(", ", columns)}) values ({Params(columns)}); select cast(scope_identity() as bigint);";

    public override string InsertIgnoringDuplicates(string table, string[] columns, string[] keyColumns) =>
        $"""
        insert into {table} ({string.Join(", ", columns)})
        select {Params(columns)}
         where not exists (select 1 from {table} with (updlock, holdlock)
                            where {string.Join(" and ", keyColumns.Select(k => $"{k} = @{k}"))})
        """;

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

    public override string LockedForUpdate(string table) => $"{table} with (updlock, rowlock)";

    public override DbTransaction BeginWriteTransaction(DbConnection connection) =>
        connection.BeginTransaction(IsolationLevel.ReadCommitted);
}
