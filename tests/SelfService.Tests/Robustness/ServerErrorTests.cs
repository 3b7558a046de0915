using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Robustness;

/// <summary>
/// A real failure in Production (a table gone from under the app): the page shows a reference, the API answers 500
/// problem+json with it, and the error's log line carries the same reference.
/// </summary>
public sealed class ServerErrorTests : IDisposable
{
    private readonly ProductionAppFactory _app = new();
    private readonly CapturedLogs _logs = new();
    private readonly WebApplicationFactory<Program> _host;

    public ServerErrorTests() => _host = _app.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(_logs)));

    public void Dispose()
    {
        _host.Dispose();
        _app.Dispose();
    }

    private async Task BreakTheWebhookTable()
    {
        await using var c = await _host.Services.GetRequiredService<Db>().OpenAsync();
        await c.ExecuteAsync("alter table WebhookEndpoint rename to WebhookEndpointGone");
    }

    [Fact]
    public async Task AFailingPage_ShowsAReference_ThatTheErrorLogLineCarries()
    {
        var client = new PageClient(_host.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false }));
        Assert.Equal(HttpStatusCode.Redirect, (await client.SignIn(DemoUsers.Operator)).StatusCode);
        await BreakTheWebhookTable();

        var response = await client.Get("/vendor/webhooks");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var page = await PageClient.Parse(response);
        var reference = page.ByTestId("reference").QuerySelector("code")!.TextContent;
        Assert.Matches("^[0-9a-f]{32}$", reference);
        Assert.Contains(_logs.Lines, l => l.Level == LogLevel.Error && l.Message.Contains(reference, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFailingApiCall_AnswersProblemJsonWithTheReference_NotTheHtmlPage()
    {
        var (_, key) = await _host.Services.GetRequiredService<SelfService.Api.ApiKeyStore>().CreateAsync("errors", SelfService.Api.ApiScopes.All, "tests");
        var client = _host.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost") });
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        await BreakTheWebhookTable();

        var response = await client.GetAsync("/api/v1/webhook-endpoints");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var reference = json.RootElement.GetProperty("traceId").GetString()!;
        Assert.Contains(reference, json.RootElement.GetProperty("detail").GetString());
        Assert.DoesNotContain("WebhookEndpoint", json.RootElement.GetRawText());
        Assert.Contains(_logs.Lines, l => l.Level == LogLevel.Error && l.Message.Contains(reference, StringComparison.Ordinal));
    }

    private sealed class CapturedLogs : ILoggerProvider
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose() { }

        private sealed class Logger(CapturedLogs owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Lines.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
