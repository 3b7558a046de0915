using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace SelfService.Data;

public sealed class SqliteDialect : SqlDialect
{
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    public override string InsertReturningId(string table, params string[] columns) =>
        $"insert into {table} ({string.Join(", ", columns)}) values ({Params(columns)}) returning Id";

    public override string InsertIgnoringDuplicates(string table, string[] columns, string[] keyColumns) =>
        $"insert into {table} ({string.Join(", ", columns)}) values ({Params(columns)}) on conflict ({string.Join(", ", keyColumns)}) do nothing";

    public override string Upsert(string table, string[] columns, string[] keyColumns, Func<Func<string, string>, string> updateSet) =>
        $"""
        insert into {table} as t ({string.Join(", ", columns)})
        values ({Params(columns)})
        on conflict ({string.Join(", ", keyColumns)}) do update set {updateSet(c => "excluded." + c)}
        """;

    public override string Page(string orderBy) => $"order by {orderBy} limit @Limit offset @Offset";

    public override string DayOf(string column) => $"substr({column}, 1, 10)";

    public override string LockedForUpdate(string table) => table;

    // BEGIN IMMEDIATE takes the write lock up front, so a read-then-write transaction never has to
    // upgrade its lock and fail with SQLITE_BUSY; other writers wait for the busy timeout instead.
    public override DbTransaction BeginWriteTransaction(DbConnection connection) =>
        ((SqliteConnection)connection).BeginTransaction(deferred: false);
}
