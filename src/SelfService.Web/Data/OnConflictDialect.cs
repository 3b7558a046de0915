namespace SelfService.Data;

/// <summary>The statements SQLite and PostgreSQL write alike: <c>returning</c>, <c>on conflict</c>, <c>limit … offset</c>.</summary>
public abstract class OnConflictDialect : SqlDialect
{
    public override string InsertReturningId(string table, params string[] columns) =>
        $"insert into {table} ({string.Join(", ", columns)}) values ({Params(columns)}) returning Id";

    public override string InsertIgnoringDuplicates(string table, string[] columns, string[] keyColumns, string[]? textKeys = null) =>
        $"insert into {table} ({string.Join(", ", columns)}) values ({Params(columns)}) on conflict ({string.Join(", ", keyColumns)}) do nothing";

    public override string Upsert(string table, string[] columns, string[] keyColumns, Func<Func<string, string>, string> updateSet) =>
        $"""
        insert into {table} as t ({string.Join(", ", columns)})
        values ({Params(columns)})
        on conflict ({string.Join(", ", keyColumns)}) do update set {updateSet(c => "excluded." + c)}
        """;

    public override string Page(string orderBy) => $"order by {orderBy} limit @Limit offset @Offset";
}
