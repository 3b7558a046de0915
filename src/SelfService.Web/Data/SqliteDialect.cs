using System.Data.Common;
using Dapper;
using DbUp;
using DbUp.Builder;
using Hangfire;
using Hangfire.InMemory;
using Microsoft.Data.Sqlite;

namespace SelfService.Data;

public sealed class SqliteDialect : OnConflictDialect
{
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    public override string DayOf(string column) => $"substr({column}, 1, 10)";

    // Quantities are fixed-width decimal text here (see Quantities); SQLite's own sum and + would turn them into floats.
    public override string ExactSum(string expression) => $"exact_sum({expression})";

    public override string ExactAdd(string left, string right) => $"exact_add({left}, {right})";

    // The write transaction already holds the database's one write lock (BEGIN IMMEDIATE).
    public override string LockingRows(string select, string table)
    {
        FromClause(select, table);
        return select;
    }

    // BEGIN IMMEDIATE takes the write lock up front, so a read-then-write transaction never has to
    // upgrade its lock and fail with SQLITE_BUSY; other writers wait for the busy timeout instead.
    public override DbTransaction BeginWriteTransaction(DbConnection connection) =>
        ((SqliteConnection)connection).BeginTransaction(deferred: false);

    public override DbConnection CreateConnection(string connectionString) => new SqliteConnection(connectionString);

    // The SQLite handles already given their pragmas: a pooled handle keeps them, so only a new one needs the round trip.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = new();

    public override async Task ConfigureAsync(DbConnection connection, CancellationToken ct)
    {
        var sqlite = (SqliteConnection)connection;
        // Registered on every connection object (a native call, no round trip): Microsoft.Data.Sqlite keeps them per object.
        sqlite.CreateAggregate<object?, decimal?, string?>("exact_sum", null,
            (sum, value) => value is null ? sum : (sum ?? 0m) + Quantities.FromDb(value),
            sum => sum is { } s ? Quantities.ToSqlite(s) : null, isDeterministic: true);
        sqlite.CreateFunction<object?, object?, string?>("exact_add",
            (a, b) => a is null || b is null ? null : Quantities.ToSqlite(Quantities.FromDb(a) + Quantities.FromDb(b)), isDeterministic: true);
        if (Configured.TryGetValue(sqlite.Handle!, out _)) return;
        // Per connection handle: wait for other writers rather than fail, and enforce references.
        await connection.ExecuteAsync(new CommandDefinition("pragma busy_timeout = 30000; pragma foreign_keys = on;", cancellationToken: ct));
        Configured.AddOrUpdate(sqlite.Handle!, new object());
    }

    public override bool IsUniqueViolation(DbException e) => e is SqliteException { SqliteExtendedErrorCode: 2067 or 1555 };

    public override TimeSpan RollupSafetyLag => TimeSpan.Zero;

    public override string MigrationsFolder => "sqlite";

    public override UpgradeEngineBuilder Deploy(string connectionString) => DeployChanges.To.SqliteDatabase(connectionString);

    // WAL lets readers proceed while one writer writes; the mode is stored in the file.
    public override void AfterMigrations(DbConnection connection) => Execute(connection, "pragma journal_mode = wal;");

    public override JobStorage CreateJobStorage(string connectionString) => new InMemoryStorage(new InMemoryStorageOptions());
}
