using System.Net;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using SelfService.Data;
using SelfService.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SelfService.Tests.Robustness;

/// <summary>
/// Fires inputs at the app, tallies the answers by status and records every answer that breaks its expectation, and
/// every bad input after which the database holds something it did not hold before.
/// </summary>
public sealed class Sweep(AppFactory app, ITestOutputHelper output)
{
    // Rows that reading or a refused attempt legitimately writes: sessions, throttling, lazily made keys.
    private static readonly HashSet<string> Volatile = new(StringComparer.OrdinalIgnoreCase)
    {
        "UserSession", "ThrottleCounter", "DataProtectionKey", "SigningKey", "schemaversions", "EntitlementStamp",
    };

    // Large tables: compared by row count only.
    private static readonly HashSet<string> CountOnly = new(StringComparer.OrdinalIgnoreCase) { "UsageEvent", "UsageHourly" };

    // Columns that reading moves: last use of a key, last sign-in.
    private static readonly string[] VolatileColumns = ["LastUsedAt", "LastSignInAt", "LastSeenAt"];

    private readonly SortedDictionary<int, int> _tally = new();
    private readonly List<string> _failures = [];
    private Dictionary<string, string>? _state;

    public int Sent { get; private set; }

    public IReadOnlyList<string> Failures => _failures;

    /// <summary>Sends one input; <paramref name="expect"/> returns null when the answer is right, else why not.</summary>
    public async Task<HttpResponseMessage> Fire(string name, Func<Task<HttpResponseMessage>> send, Func<HttpResponseMessage, string, string?> expect, bool mayStore = false)
    {
        _state ??= await Snapshot();
        HttpResponseMessage response;
        try
        {
            response = await send();
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or HttpRequestException)
        {
            // The test server rethrows what the app let escape: an unhandled exception is a 500 to a real client.
            Sent++;
            _tally[500] = _tally.GetValueOrDefault(500) + 1;
            _failures.Add($"{name}: threw {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            return new HttpResponseMessage(HttpStatusCode.InternalServerError);
        }
        Sent++;
        var status = (int)response.StatusCode;
        _tally[status] = _tally.GetValueOrDefault(status) + 1;
        var body = await response.Content.ReadAsStringAsync();
        var problem = status >= 500 ? $"answered {status}" : expect(response, body);
        if (problem is not null) _failures.Add($"{name}: {problem} [{status} {response.Content.Headers.ContentType?.MediaType}] {Shorten(body)}");

        var after = await Snapshot();
        if (!mayStore)
        {
            var changed = after.Where(t => !_state.TryGetValue(t.Key, out var v) || v != t.Value).Select(t => t.Key).ToList();
            if (changed.Count > 0) _failures.Add($"{name}: stored something in {string.Join(", ", changed)} [{status}]");
        }
        _state = after;
        return response;
    }

    public void Report(string title)
    {
        output.WriteLine($"{title}: {Sent} inputs sent; answers by status: {string.Join(", ", _tally.Select(t => $"{t.Key}×{t.Value}"))}; {_failures.Count} failure(s)");
        foreach (var failure in _failures) output.WriteLine("  " + failure);
    }

    private async Task<Dictionary<string, string>> Snapshot()
    {
        await using var c = await app.Get<Db>().OpenAsync();
        var tables = await c.QueryAsync<string>(app.Database switch
        {
            TestDatabase.Sqlite => "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'",
            TestDatabase.PostgreSql => "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'",
            _ => "select table_name from information_schema.tables where table_schema = 'dbo' and table_type = 'BASE TABLE'",
        });
        var state = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var table in tables.Where(t => !Volatile.Contains(t)))
        {
            if (CountOnly.Contains(table))
            {
                state[table] = (await c.ExecuteScalarAsync<long>($"select count(*) from {table}")).ToString(System.Globalization.CultureInfo.InvariantCulture);
                continue;
            }
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using var reader = await c.ExecuteReaderAsync($"select * from {table} order by 1");
            var skip = Enumerable.Range(0, reader.FieldCount).Where(i => VolatileColumns.Contains(reader.GetName(i), StringComparer.OrdinalIgnoreCase)).ToHashSet();
            var rows = 0;
            while (await reader.ReadAsync())
            {
                rows++;
                for (var i = 0; i < reader.FieldCount; i++)
                    if (!skip.Contains(i)) hash.AppendData(Encoding.UTF8.GetBytes($"{reader.GetValue(i)}\u001f"));
                hash.AppendData("\u001e"u8);
            }
            state[table] = $"{rows}:{Convert.ToHexString(hash.GetHashAndReset())}";
        }
        return state;
    }

    private static string Shorten(string s)
    {
        s = s.ReplaceLineEndings(" ");
        return s.Length <= 200 ? s : s[..200] + "…";
    }
}
