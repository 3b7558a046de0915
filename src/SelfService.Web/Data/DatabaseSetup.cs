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
        builder.Services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section);
        builder.Services.AddHostedService<DatabaseInitializer>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }
}

/// <summary>Migrates the database, then seeds the demo when asked, before the app serves anything.</summary>
public sealed class DatabaseInitializer(Migrations migrations, DatabaseSettings settings, DemoSeeder seeder, IOptions<DemoOptions> demo) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        migrations.Apply();
        if (demo.Value.Seed ?? !settings.IsServer)
            await seeder.SeedIfEmptyAsync(ct);
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
