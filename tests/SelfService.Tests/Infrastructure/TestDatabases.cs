using Microsoft.Data.SqlClient;

namespace SelfService.Tests.Infrastructure;

/// <summary>The databases a test can run against: SQLite always, SQL Server when SELFSERVICE_TEST_SQLSERVER is set.</summary>
public static class TestDatabases
{
    public const string SqlServerVariable = "SELFSERVICE_TEST_SQLSERVER";

    public static string? SqlServerBase => Environment.GetEnvironmentVariable(SqlServerVariable) is { Length: > 0 } cs ? cs : null;

    public static string SkipReason => $"SQL Server tests need {SqlServerVariable} to hold a connection string.";

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

    public static string NewTempFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "selfservice-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }
}
