using DbUp;
using DbUp.Builder;

namespace SelfService.Data;

/// <summary>Applies the numbered scripts of <c>db/sqlite</c> or <c>db/sqlserver</c>, embedded in this assembly.</summary>
public sealed class Migrations(DatabaseSettings settings, ILogger<Migrations> logger)
{
    public void Apply()
    {
        var folder = settings.Provider == DatabaseProvider.Sqlite ? "sqlite" : "sqlserver";
        var prefix = $"SelfService.db.{folder}.";

        UpgradeEngineBuilder builder;
        if (settings.Provider == DatabaseProvider.Sqlite)
        {
            builder = DeployChanges.To.SqliteDatabase(settings.ConnectionString);
        }
        else
        {
            EnsureDatabase.For.SqlDatabase(settings.ConnectionString);
            builder = DeployChanges.To.SqlDatabase(settings.ConnectionString);
        }

        var result = builder
            .WithScriptsEmbeddedInAssembly(typeof(Migrations).Assembly, name => name.StartsWith(prefix, StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogToNowhere()
            .Build()
            .PerformUpgrade();

        if (!result.Successful)
            throw new InvalidOperationException($"Migration {result.ErrorScript?.Name} failed: {result.Error.Message}", result.Error);

        foreach (var script in result.Scripts)
            logger.LogInformation("Applied migration {Script}", script.Name);

        if (settings.Provider == DatabaseProvider.SqlServer)
        {
            // Readers see the last committed version instead of waiting on writers, and a statement that
            // reads rollups and raw events together sees one consistent snapshot of both.
            using var connection = new Microsoft.Data.SqlClient.SqlConnection(settings.ConnectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                if (select is_read_committed_snapshot_on from sys.databases where name = db_name()) = 0
                    exec('alter database current set read_committed_snapshot on with rollback immediate');
                """;
            command.ExecuteNonQuery();
        }
        else
        {
            // WAL lets readers proceed while one writer writes; the mode is stored in the file.
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection(settings.ConnectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "pragma journal_mode = wal;";
            command.ExecuteNonQuery();
        }
    }
}
