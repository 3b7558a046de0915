using System.Data;
using System.Data.Common;

namespace SelfService.Data;

public enum DatabaseProvider { Sqlite, SqlServer }

/// <summary>
/// The statements that truly differ between SQL Server and SQLite, one member each. Everything else is
/// one SQL text for both. Parameters are named after the columns they fill (<c>@Column</c>).
/// </summary>
public abstract class SqlDialect
{
    public abstract DatabaseProvider Provider { get; }

    /// <summary>Inserts one row from <c>@Column</c> parameters and selects the generated <c>Id</c>.</summary>
    public abstract string InsertReturningId(string table, params string[] columns);

    /// <summary>Inserts one row from <c>@Column</c> parameters unless a row with the same key exists.</summary>
    public abstract string InsertIgnoringDuplicates(string table, string[] columns, string[] keyColumns);

    /// <summary>
    /// Inserts one row from <c>@Column</c> parameters, or on a key match runs <paramref name="updateSet"/>,
    /// where the existing row is aliased <c>t</c> and <paramref name="incoming"/> names a column of the new row.
    /// </summary>
    public abstract string Upsert(string table, string[] columns, string[] keyColumns, Func<Func<string, string>, string> updateSet);

    /// <summary>Orders, then skips <c>@Offset</c> rows and takes <c>@Limit</c>.</summary>
    public abstract string Page(string orderBy);

    /// <summary>The UTC day (midnight) of a datetime column, for grouping by day.</summary>
    public abstract string DayOf(string column);

    /// <summary>A table reference that locks the rows it reads until the write transaction ends.</summary>
    public abstract string LockedForUpdate(string table);

    /// <summary>Begins a transaction that reads before it writes; concurrent writers wait rather than fail.</summary>
    public abstract DbTransaction BeginWriteTransaction(DbConnection connection);

    protected static string Params(IEnumerable<string> columns) => string.Join(", ", columns.Select(c => "@" + c));
}
