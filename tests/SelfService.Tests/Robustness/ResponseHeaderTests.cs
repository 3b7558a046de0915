using System.Net;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Integration;

namespace SelfService.Tests.Robustness;

/// <summary>Customer data stays out of caches; pages ask the browser for no powerful features.</summary>
public abstract class ResponseHeaderTests(AppFactory app)
{
    [SkippableFact]
    public async Task CsvExports_AreNotStored()
    {
        var owner = await PageClient.SignedInAs(app, DemoUsers.AcmeOwner);
        var operatorClient = await PageClient.SignedInAs(app, DemoUsers.Operator);

        foreach (var (client, url) in new[] { (owner, "/customers/acme/usage?handler=Csv&feature=api-calls"), (operatorClient, "/vendor/audit?handler=Csv"), (operatorClient, "/vendor/analytics?handler=OverviewCsv") })
        {
            var response = await client.Get(url);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode}");
            Assert.StartsWith("text/csv", response.Content.Headers.ContentType?.MediaType);
            Assert.True(response.Headers.CacheControl?.NoStore == true, $"{url} may be cached");
        }
    }

    [SkippableFact]
    public async Task ApiAnswers_AreNotStored_AndPagesCarryAPermissionsPolicy()
    {
        var reader = await ApiTestClient.Reader(app);
        var check = await reader.GetAsync("/api/v1/customers/acme/entitlements");
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        Assert.True(check.Headers.CacheControl?.NoStore == true);
        var problem = await reader.GetAsync("/api/v1/customers/nobody/entitlements");
        Assert.True(problem.Headers.CacheControl?.NoStore == true);

        var page = await PageClient.Anonymous(app).Get("/account/sign-in");
        Assert.Contains("camera=()", page.Headers.GetValues("Permissions-Policy").Single());
    }
}

public sealed class SqliteResponseHeaderTests(SqliteApp app) : ResponseHeaderTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlResponseHeaderTests(PostgreSqlApp app) : ResponseHeaderTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerResponseHeaderTests(SqlServerApp app) : ResponseHeaderTests(app), IClassFixture<SqlServerApp>;
