using System.Net;
using System.Net.Http.Headers;
using SelfService.Api;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Pages.Staff;

namespace SelfService.Tests.Api;

/// <summary>
/// Two instances on one database, each keeping the API keys it verified in memory: a key revoked through either
/// instance, or by hand in the database, is refused on the very next request of both, and a scope taken away is too.
/// </summary>
public abstract class ApiKeyRevocationTests(TestDatabase database) : IDisposable
{
    private const string CheckPath = "/api/v1/customers/acme/entitlements/sso";
    private readonly AppFactory _a = new() { Database = database };
    private AppFactory? _b;

    private AppFactory B => _b ??= new AppFactory { SharingDatabaseOf = Started(_a) };

    private static AppFactory Started(AppFactory app)
    {
        app.Get<SelfService.Data.Db>(); // the first host migrates and seeds before the second starts
        return app;
    }

    public void Dispose()
    {
        _b?.Dispose();
        _a.Dispose();
    }

    /// <summary>A statement run on the database by hand, as an operator at a database console would.</summary>
    private async Task Sql(string sql, object parameters)
    {
        await using var c = await _a.Get<SelfService.Data.Db>().OpenAsync();
        await Dapper.SqlMapper.ExecuteAsync(c, sql, parameters);
    }

    private static HttpClient Client(AppFactory app, string key)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private async Task<(ApiKey Key, HttpClient A, HttpClient B)> KeyServedByBoth()
    {
        var (key, plaintext) = await Started(_a).Get<ApiKeyStore>().CreateAsync("importer", [ApiScopes.EntitlementsRead], "tests");
        var (a, b) = (Client(_a, plaintext), Client(B, plaintext));
        // Twice each: the second answer comes from the key each instance now keeps in memory.
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await a.GetAsync(CheckPath)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await b.GetAsync(CheckPath)).StatusCode);
        }
        return (key, a, b);
    }

    [SkippableFact]
    public async Task AKeyRevokedThroughOneInstance_IsRefusedOnTheNextRequestOfBoth()
    {
        var (key, a, b) = await KeyServedByBoth();

        Assert.True(await B.Get<ApiKeyStore>().RevokeAsync(key.Id));

        Assert.Equal(HttpStatusCode.Unauthorized, (await a.GetAsync(CheckPath)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await b.GetAsync(CheckPath)).StatusCode);
    }

    [SkippableFact]
    public async Task AKeyRevokedByHandInTheDatabase_IsRefusedOnTheNextRequestOfBoth()
    {
        var (key, a, b) = await KeyServedByBoth();

        await Sql("update ApiKey set RevokedAt = @now where Id = @id", new { now = _a.Now, id = key.Id });

        var refused = await a.GetAsync(CheckPath);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await b.GetAsync(CheckPath)).StatusCode);
    }

    [SkippableFact]
    public async Task AScopeTakenAwayInTheDatabase_IsRefusedOnTheNextRequestOfBoth()
    {
        var (key, a, b) = await KeyServedByBoth();

        await Sql("update ApiKey set Scopes = @scopes where Id = @id", new { scopes = ApiScopes.UsageWrite, id = key.Id });

        Assert.Equal(HttpStatusCode.Forbidden, (await a.GetAsync(CheckPath)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await b.GetAsync(CheckPath)).StatusCode);
    }

    [SkippableFact]
    public async Task AKeyServedFromMemory_StillRecordsItsLastUse_AboutOnceAMinute()
    {
        var (key, a, _) = await KeyServedByBoth();
        var first = await _a.Scalar<DateTime?>("select LastUsedAt from ApiKey where Id = @id", new { id = key.Id });
        Assert.NotNull(first);

        _a.Clock.Advance(TimeSpan.FromMinutes(5));
        B.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync(CheckPath)).StatusCode);

        var later = await _a.Scalar<DateTime?>("select LastUsedAt from ApiKey where Id = @id", new { id = key.Id });
        Assert.Equal(_a.Now, DateTime.SpecifyKind(later!.Value, DateTimeKind.Utc), TimeSpan.FromSeconds(1));
    }
}

public sealed class SqliteApiKeyRevocationTests() : ApiKeyRevocationTests(TestDatabase.Sqlite);

public sealed class PostgreSqlApiKeyRevocationTests() : ApiKeyRevocationTests(TestDatabase.PostgreSql);

public sealed class SqlServerApiKeyRevocationTests() : ApiKeyRevocationTests(TestDatabase.SqlServer);
