using System.Net;
using System.Text.Json;
using SelfService.Api;
using SelfService.Integration;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Integration;

/// <summary>
/// Every operation of the API shows an example of its request body and of its answer, and they are true: each request
/// example, sent in turn to the API on the demo data, is answered with a documented success status, and the real answer
/// has the example's shape (the same fields, at every level).
/// </summary>
public abstract class OpenApiExampleTests(AppFactory app)
{
    [SkippableFact]
    public async Task EveryOperation_HasExamples_ThatTheApiAnswersAsShown()
    {
        var text = await (await app.CreateClient().GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text);
        var operations = json.RootElement.GetProperty("paths").EnumerateObject()
            .Where(p => p.Name.StartsWith("/api", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Path: p.Name, Method: o.Name.ToUpperInvariant(), Op: o.Value.Clone())))
            // Collections before their members, and deletions last: each member operation acts on what a create made.
            .OrderBy(o => o.Path.Contains("{id}", StringComparison.Ordinal)).ThenBy(o => o.Method == "DELETE")
            .ToList();
        Assert.True(operations.Count >= 15);

        var client = await ApiTestClient.WithScopes(app, ApiScopes.All);
        var created = new Dictionary<string, long>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (path, method, op) in operations)
        {
            var label = $"{method} {path}";
            var responses = op.GetProperty("responses");
            var success = responses.EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
            var answered = success.FirstOrDefault(r => r.Value.TryGetProperty("content", out _));
            JsonElement? example = answered.Value.ValueKind == JsonValueKind.Object &&
                answered.Value.GetProperty("content").TryGetProperty("application/json", out var media) && media.TryGetProperty("example", out var e) ? e : null;
            if (answered.Value.ValueKind == JsonValueKind.Object && example is null) { problems.Add($"{label}: no example answer"); continue; }
            string? body = null;
            if (op.TryGetProperty("requestBody", out var requestBody))
            {
                if (!requestBody.GetProperty("content").GetProperty("application/json").TryGetProperty("example", out var request)) { problems.Add($"{label}: no example request"); continue; }
                body = request.GetRawText();
            }
            foreach (var parameter in op.TryGetProperty("parameters", out var ps) ? ps.EnumerateArray() : default)
                if (parameter.GetProperty("in").GetString() == "path" && !parameter.TryGetProperty("example", out _))
                    problems.Add($"{label}: path parameter {parameter.GetProperty("name").GetString()} has no example");

            var collection = path.Contains("/{id}", StringComparison.Ordinal) ? path[..path.IndexOf("/{id}", StringComparison.Ordinal)] : path;
            var url = path.Replace("{customer}", "acme").Replace("{feature}", "api-calls")
                .Replace("{id}", created.TryGetValue(collection, out var id) ? id.ToString(System.Globalization.CultureInfo.InvariantCulture) : "0");
            var response = await client.Send(new HttpMethod(method), url, body);
            var answer = await response.Content.ReadAsStringAsync();
            if (!success.Any(s => s.Name == ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)))
            {
                problems.Add($"{label}: the example request was answered {(int)response.StatusCode}: {answer}");
                continue;
            }
            if (example is not { } shown) continue;
            using var real = JsonDocument.Parse(answer);
            if (method == "POST" && !path.Contains("{id}", StringComparison.Ordinal) && real.RootElement.TryGetProperty("id", out var newId))
                created[path] = newId.GetInt64();
            problems.AddRange(SameShape(shown, real.RootElement, label));
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>Where <paramref name="shown"/> and <paramref name="real"/> differ in their fields, at any depth.</summary>
    private static IEnumerable<string> SameShape(JsonElement shown, JsonElement real, string at)
    {
        if (shown.ValueKind == JsonValueKind.Null || real.ValueKind == JsonValueKind.Null) yield break;
        if (shown.ValueKind != real.ValueKind && !(IsScalar(shown) && IsScalar(real)))
        {
            yield return $"{at}: the example shows {shown.ValueKind}, the API answers {real.ValueKind}";
            yield break;
        }
        if (shown.ValueKind == JsonValueKind.Object)
        {
            var a = shown.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var b = real.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var missing in b.Except(a)) yield return $"{at}: the example lacks `{missing}`";
            foreach (var extra in a.Except(b)) yield return $"{at}: the example shows `{extra}`, which the API does not answer";
            foreach (var name in a.Intersect(b))
                foreach (var p in SameShape(shown.GetProperty(name), real.GetProperty(name), $"{at}.{name}")) yield return p;
        }
        else if (shown.ValueKind == JsonValueKind.Array && shown.GetArrayLength() > 0 && real.GetArrayLength() > 0)
        {
            foreach (var p in SameShape(shown[0], real[0], $"{at}[0]")) yield return p;
        }
    }

    private static bool IsScalar(JsonElement e) => e.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False;

    [SkippableFact]
    public void EveryExample_NamesAnOperationTheApiHas()
    {
        var names = app.Get<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .Select(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IEndpointNameMetadata>()?.EndpointName).OfType<string>().ToHashSet();
        Assert.DoesNotContain(ApiExamples.ByOperation.Keys, k => !names.Contains(k));
    }
}

public sealed class SqliteOpenApiExampleTests(SqliteApp app) : OpenApiExampleTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlOpenApiExampleTests(PostgreSqlApp app) : OpenApiExampleTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerOpenApiExampleTests(SqlServerApp app) : OpenApiExampleTests(app), IClassFixture<SqlServerApp>;
