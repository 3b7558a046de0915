using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using SelfService.Catalog;
using SelfService.Data;
using SelfService.Metering;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Metering;

/// <summary>The app with a known demo API key (all scopes), and helpers to post usage and read it back.</summary>
public class MeteringApp : AppFactory
{
    public const string ApiKey = "ss_meterkey_abcdefghijklmnopqrstuvwxyz012345";

    public MeteringApp()
    {
        Settings["SelfService:Demo:ApiKey"] = ApiKey;
        // The suite posts more batches than a real client would in a minute.
        Settings["SelfService:Api:RatePermits"] = "100000";
    }

    /// <summary>
    /// These tests report max-members as the catalog's Latest-aggregated level (the seats in use now, as the vendor's app
    /// counts them). The demo holds it as assigned seats, whose usage events are refused; the operator's switch back is
    /// made here, once the demo is seeded, so that Latest is exercised on every surface.
    /// </summary>
    protected override Microsoft.Extensions.Hosting.IHost CreateHost(Microsoft.Extensions.Hosting.IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        using var c = host.Services.GetRequiredService<Db>().OpenAsync().GetAwaiter().GetResult();
        c.Execute("update Feature set AssignedSeats = @no where Handle = 'max-members'", new { no = false });
        return host;
    }

    public HttpClient ApiClient(string? key = ApiKey)
    {
        var client = CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static JsonObject Event(string id, string customer, string feature, decimal quantity, DateTime at) => new()
    {
        ["id"] = id, ["customer"] = customer, ["feature"] = feature, ["quantity"] = quantity, ["timestamp"] = Iso(at),
    };

    public static string Batch(IEnumerable<JsonNode> events) => new JsonObject { ["events"] = new JsonArray(events.Select(e => e.DeepClone()).ToArray()) }.ToJsonString();

    public async Task<Reply> Post(string body, string? key = ApiKey, string contentType = "application/json")
    {
        using var client = ApiClient(key);
        var response = await client.PostAsync("/api/v1/usage", new StringContent(body, Encoding.UTF8, contentType));
        return await Reply.From(response);
    }

    public Task<Reply> Post(params JsonNode[] events) => Post(Batch(events));

    public async Task<long> CustomerId(string key)
    {
        await using var c = await Get<Db>().OpenAsync();
        return await c.ExecuteScalarAsync<long>("select Id from Customer where ExternalKey = @key", new { key });
    }

    public async Task<Feature> Feature(string handle) => (await Get<CatalogStore>().FeaturesAsync()).Single(f => f.Handle == handle);

    /// <summary>Usage of a feature over a wide range of hours around now, read through the one usage service.</summary>
    public async Task<decimal> Usage(string customer, string feature, DateTime? from = null, DateTime? to = null) =>
        (await Get<UsageService>().TotalsAsync(await CustomerId(customer), [await Feature(feature)],
            from ?? Now.AddDays(-30), to ?? Now.AddDays(2))).GetValueOrDefault((await Feature(feature)).Id);

    public async Task<long> RawEventCount()
    {
        await using var c = await Get<Db>().OpenAsync();
        return await c.ExecuteScalarAsync<long>("select count(*) from UsageEvent");
    }
}

public sealed record Reply(HttpStatusCode Status, string ContentType, JsonElement Json, HttpResponseMessage Response)
{
    public static async Task<Reply> From(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return new Reply(response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "", json, response);
    }

    public int Accepted => Json.GetProperty("accepted").GetInt32();
    public int Duplicates => Json.GetProperty("duplicates").GetInt32();
    public string Type => Json.GetProperty("type").GetString()!;

    /// <summary>The problem's <c>errors</c>: field → reasons.</summary>
    public Dictionary<string, string[]> Errors => Json.TryGetProperty("errors", out var e)
        ? e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetString()!).ToArray())
        : [];
}

public sealed class SqliteMeteringApp : MeteringApp;

public sealed class PostgreSqlMeteringApp : MeteringApp
{
    public PostgreSqlMeteringApp() => Database = TestDatabase.PostgreSql;
}

public sealed class SqlServerMeteringApp : MeteringApp
{
    public SqlServerMeteringApp() => Database = TestDatabase.SqlServer;
}
