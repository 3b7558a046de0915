using DbUp;

namespace SelfService.Data;

/// <summary>Applies the numbered scripts of <c>db/sqlite</c>, <c>db/sqlserver</c> or <c>db/postgresql</c>, embedded in this assembly.</summary>
public sealed class Migrations(DatabaseSettings settings, ILogger<Migrations> logger)
{
    public void Apply()
    {
        var dialect = settings.Dialect;
        var prefix = $"SelfService.db.{dialect.MigrationsFolder}.";

        var result = dialect.Deploy(settings.ConnectionString)
            .WithScriptsEmbeddedInAssembly(typeof(Migrations).Assembly, name => name.StartsWith(prefix, StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogToNowhere()
            .Build()
            .PerformUpgrade();

        if (!result.Successful)
            throw new InvalidOperationException($"Migration {result.ErrorScript?.Name} failed: {result.Error.Message}", result.Error);

        foreach (var script in result.Scripts)
            logger.LogInformation("Applied migration {Script}", script.Name);

        using var connection = dialect.CreateConnection(settings.ConnectionString);
        connection.Open();
        dialect.AfterMigrations(connection);
    }
}
