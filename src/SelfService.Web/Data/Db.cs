using System.Data.Common;

namespace SelfService.Data;

/// <summary>Opens connections to the configured database and runs write transactions.</summary>
public sealed class Db(DatabaseSettings settings)
{
    public SqlDialect Dialect => settings.Dialect;

    public DatabaseProvider Provider => settings.Provider;

    public string ConnectionString => settings.ConnectionString;

    /// <summary>Raised for every connection opened, before it is used: a seam for diagnostics such as counting statements.</summary>
    public event Action<DbConnection>? Opened;

    public async Task<DbConnection> OpenAsync(CancellationToken ct = default)
    {
        var connection = Dialect.CreateConnection(settings.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            await Dialect.ConfigureAsync(connection, ct);
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
