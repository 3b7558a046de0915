using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;

namespace SelfService.Data;

/// <summary>
/// Which database to use, read once from configuration: a <c>ConnectionStrings:SqlServer</c> value selects
/// SQL Server; otherwise a SQLite file in <c>SelfService:DataFolder</c> (default <c>data</c>).
/// </summary>
public sealed record DatabaseSettings(DatabaseProvider Provider, string ConnectionString, string? SqliteFile)
{
    public const string SqlServerSetting = "ConnectionStrings:SqlServer";
    public const string DataFolderSetting = "SelfService:DataFolder";

    public static DatabaseSettings FromConfiguration(IConfiguration configuration, string contentRoot)
    {
        var sqlServer = configuration[SqlServerSetting];
        if (!string.IsNullOrWhiteSpace(sqlServer))
        {
            SqlConnectionStringBuilder builder;
            try
            {
                builder = new SqlConnectionStringBuilder(sqlServer);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
            {
                throw new ConfigurationProblem(SqlServerSetting, $"is not a valid SQL Server connection string: {e.Message}");
            }
            if (string.IsNullOrWhiteSpace(builder.DataSource))
                throw new ConfigurationProblem(SqlServerSetting, "names no server (Server=...).");
            if (string.IsNullOrWhiteSpace(builder.InitialCatalog))
                throw new ConfigurationProblem(SqlServerSetting, "names no database (Database=...).");
            return new DatabaseSettings(DatabaseProvider.SqlServer, builder.ConnectionString, null);
        }

        var folder = configuration[DataFolderSetting];
        folder = Path.GetFullPath(string.IsNullOrWhiteSpace(folder) ? "data" : folder, contentRoot);
        var file = Path.Combine(folder, "selfservice.db");
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = file,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        return new DatabaseSettings(DatabaseProvider.Sqlite, connectionString, file);
    }

    /// <summary>Fails with a message naming the setting when the database cannot be used at all.</summary>
    public void CheckReachable()
    {
        if (Provider == DatabaseProvider.Sqlite)
        {
            var folder = Path.GetDirectoryName(SqliteFile)!;
            try
            {
                Directory.CreateDirectory(folder);
                var probe = Path.Combine(folder, $".write-probe-{Guid.NewGuid():N}");
                File.WriteAllText(probe, "");
                File.Delete(probe);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationProblem(DataFolderSetting, $"points at '{folder}', which cannot be written: {e.Message}");
            }
            return;
        }

        var builder = new SqlConnectionStringBuilder(ConnectionString);
        var database = builder.InitialCatalog;
        builder.InitialCatalog = "master";
        builder.ConnectTimeout = Math.Min(builder.ConnectTimeout, 10);
        try
        {
            using var connection = new SqlConnection(builder.ConnectionString);
            connection.Open();
        }
        catch (Exception e) when (e is SqlException or InvalidOperationException or NotSupportedException)
        {
            throw new ConfigurationProblem(SqlServerSetting, $"cannot reach SQL Server '{builder.DataSource}' (database '{database}'): {e.Message}");
        }
    }
}

/// <summary>A setting that stops start-up; its message names the setting and what is wrong with it.</summary>
public sealed class ConfigurationProblem(string setting, string problem)
    : Exception($"Configuration error: {setting} {problem}")
{
    public string Setting { get; } = setting;
}
