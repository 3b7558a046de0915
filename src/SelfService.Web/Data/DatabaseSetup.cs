using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SelfService.Audit;
using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Demo;
using SelfService.Entitlements;

namespace SelfService.Data;

public static class DatabaseSetup
{
    /// <summary>Chooses and checks the database; a bad setting throws <see cref="ConfigurationProblem"/> before anything starts.</summary>
    public static WebApplicationBuilder AddDatabase(this WebApplicationBuilder builder)
    {
        DapperSetup.Configure();
        var settings = DatabaseSettings.FromConfiguration(builder.Configuration, builder.Environment.ContentRootPath);
        settings.CheckReachable();

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<Db>();
        builder.Services.AddSingleton<Migrations>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<CatalogStore>();
        builder.Services.AddSingleton<CustomerStore>();
        builder.Services.AddSingleton<EntitlementService>();
        builder.Services.AddSingleton<PlanChangePreview>();
        builder.Services.AddSingleton<SelfService.Portal.AccountUsage>();
        builder.Services.AddSingleton<SelfService.Metering.UsageService>();
        builder.Services.AddSingleton<DemoSeeder>();
        builder.Services.AddSingleton<SelfService.Notifications.NotificationService>();
        builder.AddCheckedOptions<DemoOptions>(DemoOptions.Section, DemoOptions.Check);
        builder.Services.AddSingleton<StartupState>();
        builder.Services.AddHostedService<DatabaseInitializer>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }
}

/// <summary>Migrates the database, then seeds the demo when asked, before the app serves anything.</summary>
public sealed class DatabaseInitializer(Migrations migrations, DatabaseSettings settings, DemoSeeder seeder, IOptions<DemoOptions> demo, StartupState state) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        migrations.Apply();
        state.MigrationsApplied = true;
        if (demo.Value.Seed ?? !settings.IsServer)
            await seeder.SeedIfEmptyAsync(ct);
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
