using Microsoft.Extensions.Options;
using SelfService.Data;

namespace SelfService.Demo;

public static class DemoSetup
{
    /// <summary>
    /// The demo catalog, customers, users and months of usage, seeded on an empty database after the migrations
    /// (by default only on the embedded SQLite database; <c>SelfService:Demo:Seed</c> decides).
    /// </summary>
    public static WebApplicationBuilder AddDemo(this WebApplicationBuilder builder)
    {
        builder.AddCheckedOptions<DemoOptions>(DemoOptions.Section, DemoOptions.Check);
        builder.Services.AddSingleton<DemoSeeder>();
        builder.Services.AddHostedService<DemoSeeding>();
        return builder;
    }
}

/// <summary>Seeds the demo at start-up when asked; registered after the database's initialiser, so it runs on a migrated database.</summary>
public sealed class DemoSeeding(DemoSeeder seeder, DatabaseSettings settings, IOptions<DemoOptions> demo) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        if (demo.Value.Seed ?? !settings.IsServer)
            await seeder.SeedIfEmptyAsync(ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
