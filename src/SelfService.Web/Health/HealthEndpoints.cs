using System.Text.Json;
using Hangfire;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SelfService.Jobs;

namespace SelfService.Health;

/// <summary>
/// <c>/healthz/live</c>: the process serves (200), for a restart policy. <c>/healthz/ready</c> (and <c>/healthz</c>): the
/// database answers with its migrations applied and, where this process runs one, the job server is alive — 200, else 503,
/// for a load balancer. Anonymous: they name the database provider and each check's state, never data.
/// </summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public static WebApplicationBuilder AddHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks().AddCheck<JobServerHealthCheck>("jobs", tags: [ReadyTag]);
        return builder;
    }

    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = Write });
        var ready = new HealthCheckOptions { ResponseWriter = Write };
        app.MapHealthChecks("/healthz/ready", ready);
        app.MapHealthChecks("/healthz", ready);
        return app;
    }

    private static async Task Write(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                data = e.Value.Data,
            }),
        }, JsonSerializerOptions.Web);
    }
}

/// <summary>Healthy when this process runs no job server, or when its server has beaten its heart within a minute.</summary>
public sealed class JobServerHealthCheck(JobStorage storage, IOptions<JobsOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        if (!options.Value.Server) return Task.FromResult(HealthCheckResult.Healthy("No job server in this process (SelfService:Jobs:Server=false)."));
        // Hangfire stamps heartbeats with the real clock, not the app's TimeProvider (which tests move).
        var self = $"{Environment.MachineName}:{Environment.ProcessId}:";
        var alive = storage.GetMonitoringApi().Servers()
            .Where(s => s.Name.StartsWith(self, StringComparison.OrdinalIgnoreCase))
            .Any(s => s.Heartbeat is { } beat && DateTime.UtcNow - beat < TimeSpan.FromMinutes(1));
        return Task.FromResult(alive
            ? HealthCheckResult.Healthy("The job server is alive.")
            : HealthCheckResult.Unhealthy("No heartbeat from this process's job server in the last minute."));
    }
}
