using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace SelfService.Health;

public static class HealthEndpoints
{
    /// <summary><c>/healthz</c>: 200 with the database's state when it answers, 503 when it does not.</summary>
    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            ResponseWriter = async (context, report) =>
            {
                context.Response.ContentType = "application/json";
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
            },
        });
        return app;
    }
}
