using System.Security.Cryptography;
using Microsoft.Data.SqlClient;
using Npgsql;
using SelfService.Data;

namespace SelfService.Tests.Infrastructure;

/// <summary>The databases a test can run on: SQLite always; PostgreSQL and SQL Server when their server is given.</summary>
public enum TestDatabase { Sqlite, PostgreSql, SqlServer }

/// <summary>
/// Where the server databases are: SELFSERVICE_TEST_POSTGRESQL (set by tests/run.sh, which starts a private server) and
/// SELFSERVICE_TEST_SQLSERVER hold connection strings whose user may create databases. Without one, that database's
/// tests skip with a reason. Each test's app gets a database of its own, created at its first use and dropped after it.
/// </summary>
public static class TestDatabases
{
    public const string SqlServerVariable = "SELFSERVICE_TEST_SQLSERVER";
    public const string PostgreSqlVariable = "SELFSERVICE_TEST_POSTGRESQL";

    public static string? SqlServerBase => Environment.GetEnvironmentVariable(SqlServerVariable) is { Length: > 0 } cs ? cs : null;

    public static string? PostgreSqlBase => Environment.GetEnvironmentVariable(PostgreSqlVariable) is { Length: > 0 } cs ? cs : null;

    public static string SkipReason => SkipReasonFor(TestDatabase.SqlServer);

    public static string SkipReasonFor(TestDatabase database) => database switch
    {
        TestDatabase.SqlServer => $"SQL Server tests need {SqlServerVariable} to hold a connection string.",
        TestDatabase.PostgreSql => $"PostgreSQL tests need {PostgreSqlVariable} to hold a connection string (bash tests/run.sh starts a server and sets it).",
        _ => "",
    };

    public static bool IsReachable(TestDatabase database) => database switch
    {
        TestDatabase.SqlServer => SqlServerBase is not null,
        TestDatabase.PostgreSql => PostgreSqlBase is not null,
        _ => true,
    };

    /// <summary>Skips the running test when <paramref name="database"/> is not given.</summary>
    public static void Require(TestDatabase database) => Skip.IfNot(IsReachable(database), SkipReasonFor(database));

    /// <summary>A connection string to a fresh, uniquely named SQL Server database (created by the migrations).</summary>
    public static string NewSqlServerDatabase()
    {
        var builder = new SqlConnectionStringBuilder(SqlServerBase) { InitialCatalog = $"selfservice_test_{Guid.NewGuid():N}" };
        return builder.ConnectionString;
    }

    public static void DropSqlServerDatabase(string connectionString)
    {
        var builder = new SqlConnectionStringBuilder(connectionString);
        var name = builder.InitialCatalog;
        builder.InitialCatalog = "master";
        SqlConnection.ClearAllPools();
        using var connection = new SqlConnection(builder.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"if db_id('{name}') is not null begin alter database [{name}] set single_user with rollback immediate; drop database [{name}]; end";
        command.ExecuteNonQuery();
    }

    private static readonly Lazy<string> Template = new(CreatePostgreSqlTemplate);

    /// <summary>
    /// A connection string to a fresh PostgreSQL database, copied from a migrated template (much faster than migrating):
    /// the template is made once per set of migrations and kept on the server, so later runs reuse it.
    /// </summary>
    public static string NewPostgreSqlDatabase()
    {
        var name = $"selfservice_test_{Guid.NewGuid():N}";
        // A pooled connection to the template would block the copy ("being accessed by other users").
        NpgsqlConnection.ClearAllPools();
        Server($"create database {name} template {Template.Value}");
        return WithDatabase(name);
    }

    public static void DropPostgreSqlDatabase(string connectionString)
    {
        NpgsqlConnection.ClearAllPools();
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        // A backend that is not the app's (a server process busy with the database) can refuse to go at once: retry.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Server($"drop database if exists {name} with (force)");
                return;
            }
            catch (PostgresException) when (attempt < 5)
            {
                Thread.Sleep(200 * attempt);
            }
        }
    }

    private static string WithDatabase(string name) =>
        new NpgsqlConnectionStringBuilder(PostgreSqlBase) { Database = name, Timezone = "UTC" }.ConnectionString;

    private static void Server(string sql)
    {
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgreSqlBase) { Database = "postgres", Pooling = false }.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static object? ServerScalar(string sql)
    {
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgreSqlBase) { Database = "postgres", Pooling = false }.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    private static string CreatePostgreSqlTemplate()
    {
        // Named after the migrations' content, so a changed migration makes a new template rather than reuse a stale one.
        var scripts = Directory.GetFiles(Path.Combine(SelfService.Tests.Data.SqlServerScriptTests.RepoRoot, "db", "postgresql"), "*.sql").Order()
            .Select(f => Path.GetFileName(f) + "\n" + File.ReadAllText(f));
        var hash = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", scripts))))[..16].ToLowerInvariant();
        var template = $"selfservice_template_{hash}";
        if (ServerScalar($"select 1 from pg_database where datname = '{template}'") is not null) return template;

        // Built under a name of its own and renamed when complete, so another test run never copies a half-made one.
        var building = $"selfservice_building_{Guid.NewGuid():N}";
        var settings = new DatabaseSettings(DatabaseProvider.PostgreSql, WithDatabase(building), null);
        new Migrations(settings, Microsoft.Extensions.Logging.Abstractions.NullLogger<Migrations>.Instance).Apply();
        settings.Dialect.CreateJobStorage(settings.ConnectionString); // Hangfire's schema, made once here rather than in every copy
        NpgsqlConnection.ClearAllPools();
        try
        {
            Server($"alter database {building} rename to {template}");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            Server($"drop database {building} with (force)");
        }
        return template;
    }

    public static string NewTempFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "selfservice-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }
}
