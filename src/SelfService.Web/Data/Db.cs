using System.Data.Common;
using Dapper;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;

namespace SelfService.Data;

/// <summary>Opens connections to the configured database and runs write transactions.</summary>
public sealed class Db(DatabaseSettings settings)
{
    public SqlDialect Dialect { get; } = settings.Provider == DatabaseProvider.Sqlite ? new SqliteDialect() : new SqlServerDialect();

    public DatabaseProvider Provider => settings.Provider;

    public string ConnectionString => settings.ConnectionString;

    /// <summary>Raised for every connection opened, before it is used: a seam for diagnostics such as counting statements.</summary>
    public event Action<DbConnection>? Opened;

    // The SQLite handles already given their pragmas: a pooled handle keeps them, so only a new one needs the round trip.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = new();

    public async Task<DbConnection> OpenAsync(CancellationToken ct = default)
    {
        DbConnection connection = settings.Provider == DatabaseProvider.Sqlite
            ? new SqliteConnection(settings.ConnectionString)
            : new SqlConnection(settings.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            if (connection is SqliteConnection sqlite && !Configured.TryGetValue(sqlite.Handle!, out _))
            {
                // Per connection handle: wait for other writers rather than fail, and enforce references.
                await connection.ExecuteAsync("pragma busy_timeout = 30000; pragma foreign_keys = on;");
                Configured.AddOrUpdate(sqlite.Handle!, new object());
            }
            Opened?.Invoke(connection);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> in a write transaction that begins immediately, and commits it.</summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var tx = Dialect.BeginWriteTransaction(connection);
        var result = await work(connection, tx);
        await tx.CommitAsync(ct);
        return result;
    }

    public Task WriteAsync(Func<DbConnection, DbTransaction, Task> work, CancellationToken ct = default) =>
        WriteAsync<bool>(async (c, t) => { await work(c, t); return true; }, ct);
}
