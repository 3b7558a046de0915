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
        builder.Services.AddSingleton<Migrations>();
        builder.Services.AddHostedService<DatabaseInitializer>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }
}

/// <summary>Migrates the database before the app serves anything (and before the demo is seeded: see <c>AddDemo</c>).</summary>
public sealed class DatabaseInitializer(Migrations migrations) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        migrations.Apply();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

public sealed class DatabaseHealthCheck(Db db) : IHealthCheck
{
    internal const string ProbeSql = "select count(*) from Customer";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var data = new Dictionary<string, object> { ["provider"] = db.Provider.ToString() };
        try
        {
            await using var connection = await db.OpenAsync(ct);
            data["customers"] = await connection.ExecuteScalarAsync<long>(new CommandDefinition(ProbeSql, cancellationToken: ct));
            return HealthCheckResult.Healthy("The database answers.", data);
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy($"The database does not answer: {e.Message}", data: data);
        }
    }
}
