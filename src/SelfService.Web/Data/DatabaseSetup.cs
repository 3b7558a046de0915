using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SelfService.Data;

public static class DatabaseSetup
{
    /// <summary>
    /// Chooses and checks the database; a bad setting throws <see cref="ConfigurationProblem"/> before anything starts.
    /// Registers only the connection, dialect, migrations, initialiser and health check: each feature wires its own services.
    /// </summary>
    public static WebApplicationBuilder AddDatabase(this WebApplicationBuilder builder)
    {
        DapperSetup.Configure();
        var settings = DatabaseSettings.FromConfiguration(builder.Configuration, builder.Environment.ContentRootPath);
        settings.CheckReachable();

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<Db>();
        builder.Services.AddSingleton<Stamps>();
        builder.Services.AddSingleton<Migrations>();
        builder.Services.AddSingleton<StartupState>();
        builder.Services.AddHostedService<DatabaseInitializer>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }
}

/// <summary>Migrates the database before the app serves anything (and before the demo is seeded: see <c>AddDemo</c>).</summary>
public sealed class DatabaseInitializer(Migrations migrations, StartupState state) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        migrations.Apply();
        state.MigrationsApplied = true;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

/// <summary>What start-up has done so far, for readiness.</summary>
public sealed class StartupState
{
    public volatile bool MigrationsApplied;
}

public sealed class DatabaseHealthCheck(Db db, StartupState startup) : IHealthCheck
{
    // Reads the schema's newest table, so a database that answers but lacks migrations is not ready; it counts nothing,
    // so the anonymous answer discloses nothing about the customers.
    internal const string ProbeSql = "select count(*) from RollupWatermark where 1 = 0";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var data = new Dictionary<string, object> { ["provider"] = db.Provider.ToString() };
        try
        {
            await using var connection = await db.OpenAsync(ct);
            await connection.ExecuteScalarAsync<long>(new CommandDefinition(ProbeSql, cancellationToken: ct));
            if (!startup.MigrationsApplied) return HealthCheckResult.Unhealthy("The database answers; migrations are not applied yet.", data: data);
            return HealthCheckResult.Healthy("The database answers.", data);
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy($"The database does not answer: {e.Message}", data: data);
        }
    }
}
