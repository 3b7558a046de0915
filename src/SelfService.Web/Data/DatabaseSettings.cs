using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace SelfService.Data;

/// <summary>
/// Which database to use, read once from configuration: a <c>ConnectionStrings:SqlServer</c> value selects SQL Server,
/// a <c>ConnectionStrings:PostgreSql</c> value PostgreSQL; otherwise a SQLite file in <c>SelfService:DataFolder</c>
/// (default <c>data</c>).
/// </summary>
public sealed record DatabaseSettings(DatabaseProvider Provider, string ConnectionString, string? SqliteFile)
{
    public const string SqlServerSetting = "ConnectionStrings:SqlServer";
    public const string PostgreSqlSetting = "ConnectionStrings:PostgreSql";
    public const string DataFolderSetting = "SelfService:DataFolder";

    public SqlDialect Dialect { get; } = SqlDialect.For(Provider);

    /// <summary>A shared database server, which several instances (web and worker) can use at once.</summary>
    public bool IsServer => Provider != DatabaseProvider.Sqlite;

    /// <summary>The setting that chose this database, for messages.</summary>
    public string Setting => Provider switch
    {
        DatabaseProvider.SqlServer => SqlServerSetting,
        DatabaseProvider.PostgreSql => PostgreSqlSetting,
        _ => DataFolderSetting,
    };

    public static DatabaseSettings FromConfiguration(IConfiguration configuration, string contentRoot)
    {
        var sqlServer = configuration[SqlServerSetting];
        var postgreSql = configuration[PostgreSqlSetting];
        if (!string.IsNullOrWhiteSpace(sqlServer) && !string.IsNullOrWhiteSpace(postgreSql))
            throw new ConfigurationProblem(PostgreSqlSetting, $"and {SqlServerSetting} are both set; set only the one for the database to use.");
        if (!string.IsNullOrWhiteSpace(sqlServer)) return SqlServer(sqlServer);
        if (!string.IsNullOrWhiteSpace(postgreSql)) return PostgreSql(postgreSql);

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

    private static DatabaseSettings SqlServer(string value)
    {
        SqlConnectionStringBuilder builder;
        try
        {
            builder = new SqlConnectionStringBuilder(value);
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

    private static DatabaseSettings PostgreSql(string value)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(value);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException or InvalidCastException)
        {
            throw new ConfigurationProblem(PostgreSqlSetting, $"is not a valid PostgreSQL connection string: {e.Message}");
        }
        if (string.IsNullOrWhiteSpace(builder.Host))
            throw new ConfigurationProblem(PostgreSqlSetting, "names no server (Host=...).");
        if (string.IsNullOrWhiteSpace(builder.Database))
            throw new ConfigurationProblem(PostgreSqlSetting, "names no database (Database=...).");
        // Every time is UTC: a session in another zone would shift any timestamp sent without one.
        builder.Timezone = "UTC";
        return new DatabaseSettings(DatabaseProvider.PostgreSql, builder.ConnectionString, null);
    }

    /// <summary>Fails with a message naming the setting when the database cannot be used at all.</summary>
    public void CheckReachable()
    {
        switch (Provider)
        {
            case DatabaseProvider.Sqlite: CheckSqliteFolder(); break;
            case DatabaseProvider.SqlServer: CheckSqlServer(); break;
            case DatabaseProvider.PostgreSql: CheckPostgreSql(); break;
        }
    }

    private void CheckSqliteFolder()
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
    }

    private void CheckSqlServer()
    {
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

    // PostgreSQL only (not named *Sql: those are the statements every database shares).
    internal const string PostgreSqlRightsQuery = """
        select has_database_privilege(current_database(), 'CREATE') and has_schema_privilege('public', 'CREATE')
        """;

    internal const string PostgreSqlCanCreateDatabaseQuery = "select rolcreatedb or rolsuper from pg_roles where rolname = current_user";

    // Reachable, and the role may create what the migrations and Hangfire create: in its database, or the database itself.
    private void CheckPostgreSql()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false };
        var target = $"PostgreSQL '{builder.Host}:{builder.Port}' (database '{builder.Database}', user '{builder.Username}')";
        builder.Timeout = Math.Min(builder.Timeout, 10);
        try
        {
            try
            {
                using var connection = new NpgsqlConnection(builder.ConnectionString);
                connection.Open();
                using var rights = new NpgsqlCommand(PostgreSqlRightsQuery, connection);
                if (rights.ExecuteScalar() is not true)
                    throw new ConfigurationProblem(PostgreSqlSetting,
                        $"names {target}, where the user may not create tables (it needs CREATE on the database and on schema public; making it the database's owner gives both).");
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
            {
                // No such database yet: the migrations create it, if the role may.
                builder.Database = "postgres";
                using var server = new NpgsqlConnection(builder.ConnectionString);
                server.Open();
                using var command = new NpgsqlCommand(PostgreSqlCanCreateDatabaseQuery, server);
                if (command.ExecuteScalar() is not true)
                    throw new ConfigurationProblem(PostgreSqlSetting, $"names {target}, which does not exist, and the user may not create it (CREATEDB).");
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or NotSupportedException or ArgumentException or TimeoutException)
        {
            throw new ConfigurationProblem(PostgreSqlSetting, $"cannot reach {target}: {e.Message}");
        }
    }
}

/// <summary>A setting that stops start-up; its message names the setting and what is wrong with it.</summary>
public sealed class ConfigurationProblem(string setting, string problem)
    : Exception($"Configuration error: {setting} {problem}")
{
    public string Setting { get; } = setting;
}
