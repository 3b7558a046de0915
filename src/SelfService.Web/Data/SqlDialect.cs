using System.Data;
using System.Data.Common;
using DbUp.Builder;
using Hangfire;

namespace SelfService.Data;

public enum DatabaseProvider { Sqlite, SqlServer, PostgreSql }

/// <summary>
/// What truly differs between SQLite, SQL Server and PostgreSQL, one member each: a handful of statements and how the
/// provider connects, migrates, reports a duplicate key and stores Hangfire's queue. Everything else is one SQL text
/// for every database. Parameters are named after the columns they fill (<c>@Column</c>).
/// </summary>
public abstract class SqlDialect
{
    public static SqlDialect For(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => new SqliteDialect(),
        DatabaseProvider.SqlServer => new SqlServerDialect(),
        DatabaseProvider.PostgreSql => new PostgreSqlDialect(),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, null),
    };

    public abstract DatabaseProvider Provider { get; }

    /// <summary>Inserts one row from <c>@Column</c> parameters and selects the generated <c>Id</c>.</summary>
    public abstract string InsertReturningId(string table, params string[] columns);

    /// <summary>
    /// Inserts one row from <c>@Column</c> parameters unless a row with the same key exists; the key's text columns
    /// named in <paramref name="textKeys"/> match only exactly (see <see cref="SameText"/>).
    /// </summary>
    public abstract string InsertIgnoringDuplicates(string table, string[] columns, string[] keyColumns, string[]? textKeys = null);

    /// <summary>A condition that text <paramref name="column"/> holds exactly <paramref name="parameter"/>: case and trailing spaces count.</summary>
    public virtual string SameText(string column, string parameter) => $"{column} = {parameter}";

    /// <summary>
    /// Inserts one row from <c>@Column</c> parameters, or on a key match runs <paramref name="updateSet"/>,
    /// where the existing row is aliased <c>t</c> and <paramref name="incoming"/> names a column of the new row.
    /// </summary>
    public abstract string Upsert(string table, string[] columns, string[] keyColumns, Func<Func<string, string>, string> updateSet);

    /// <summary>Orders, then skips <c>@Offset</c> rows and takes <c>@Limit</c>.</summary>
    public abstract string Page(string orderBy);

    /// <summary>The exact sum of a quantity column (see <see cref="Quantities"/>): <c>sum</c> wherever the column is a decimal.</summary>
    public virtual string ExactSum(string expression) => $"sum({expression})";

    /// <summary>The exact sum of two quantities.</summary>
    public virtual string ExactAdd(string left, string right) => $"({left} + {right})";

    /// <summary>The UTC day (midnight) of a datetime column, for grouping by day.</summary>
    public abstract string DayOf(string column);

    /// <summary>
    /// <paramref name="select"/>, a select that reads <paramref name="table"/> unaliased (<c>from Table</c>, once),
    /// made to lock the rows of that table it reads until the write transaction ends.
    /// </summary>
    public abstract string LockingRows(string select, string table);

    /// <summary>
    /// Inserts many rows of <paramref name="table"/> in one go (the demo's history), each row's values read from the
    /// properties of <typeparamref name="T"/> named after <paramref name="columns"/>.
    /// </summary>
    public virtual Task InsertManyAsync<T>(DbConnection connection, DbTransaction tx, string table, string[] columns, IReadOnlyList<T> rows) =>
        Dapper.SqlMapper.ExecuteAsync(connection, InsertSql(table, columns), rows, tx);

    /// <summary>The plain insert of one row from <c>@Column</c> parameters.</summary>
    public static string InsertSql(string table, string[] columns) => $"insert into {table} ({string.Join(", ", columns)}) values ({Params(columns)})";

    /// <summary>Begins a transaction that reads before it writes; concurrent writers wait rather than fail.</summary>
    public abstract DbTransaction BeginWriteTransaction(DbConnection connection);

    /// <summary>A new, unopened connection.</summary>
    public abstract DbConnection CreateConnection(string connectionString);

    /// <summary>Runs once for each new physical connection, before its first use (pooled ones keep what it set).</summary>
    public virtual Task ConfigureAsync(DbConnection connection, CancellationToken ct) => Task.CompletedTask;

    /// <summary>An insert or update refused because a unique key already holds the value.</summary>
    public abstract bool IsUniqueViolation(DbException e);

    /// <summary>
    /// How long the rollup waits before it trusts that no event with a smaller id can still commit: zero where ids are
    /// given in commit order (SQLite's single writer), a minute where identities and sequences are handed out before
    /// their transactions commit, in any order (SQL Server, PostgreSQL). See <c>UsageRollup</c>.
    /// </summary>
    public abstract TimeSpan RollupSafetyLag { get; }

    /// <summary>The folder of <c>db/</c> that holds this database's migrations.</summary>
    public abstract string MigrationsFolder { get; }

    /// <summary>DbUp for this database, creating the database first where it may not exist yet.</summary>
    public abstract UpgradeEngineBuilder Deploy(string connectionString);

    /// <summary>Database-wide settings applied after the migrations (they are not transactional).</summary>
    public abstract void AfterMigrations(DbConnection connection);

    /// <summary>Hangfire's storage on this database, so that every instance shares one queue (SQLite: in memory, per process).</summary>
    public abstract JobStorage CreateJobStorage(string connectionString);

    protected static string Params(IEnumerable<string> columns) => string.Join(", ", columns.Select(c => "@" + c));

    protected static void Execute(DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>The one <c>from Table</c> of a statement, where a table hint goes; fails loudly on any other shape.</summary>
    protected static int FromClause(string select, string table)
    {
        var from = System.Text.RegularExpressions.Regex.Matches(select, $@"\bfrom {table}\b");
        if (from.Count != 1)
            throw new ArgumentException($"A locking select must read 'from {table}' exactly once: {select}", nameof(select));
        return from[0].Index + from[0].Length;
    }
}
