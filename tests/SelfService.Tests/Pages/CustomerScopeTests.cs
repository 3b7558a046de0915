using System.Net;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages;

/// <summary>
/// A customer's user never reaches another customer's data, whatever the URL or a form field says.
/// Every customer-scoped page is tried: the route table lists them, so a new page is covered by default.
/// </summary>
public abstract class CustomerScopeTests(AppFactory app)
{
    // Routes with further parameters (a request's id) need a real row to exist; their areas' tests cover them.
    public static IEnumerable<object[]> CustomerScopedPages() =>
        CustomerPages.Routes().Where(r => r.Count(c => c == '{') == 1).Select(r => new object[] { r });

    [SkippableTheory]
    [MemberData(nameof(CustomerScopedPages))]
    public async Task Get_OtherCustomersPage_Is404(string route)
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.AcmeOwner);

        var own = await client.Get(route.Replace("{customer}", "acme"));
        var other = await client.Get(route.Replace("{customer}", "globex"));

        Assert.NotEqual(HttpStatusCode.NotFound, own.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.DoesNotContain("Globex", await other.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task Post_FormFieldNamingAnotherCustomer_Is404()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.AcmeAdmin);
        var response = await client.PostDirect("/customers/acme", "/customers/acme", new() { ["customer"] = "globex" });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [SkippableFact]
    public async Task Get_QueryNamingAnotherCustomer_Is404()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.AcmeMember);
        Assert.Equal(HttpStatusCode.NotFound, (await client.Get("/customers/acme?customer=initech")).StatusCode);
    }
}

/// <summary>The list the scope tests walk is read from the app itself: no database, so once, not per database.</summary>
public sealed class CustomerPagesTests
{
    [Fact]
    public void EveryCustomerScopedPage_IsListed()
    {
        Assert.Contains("/customers/{customer}", CustomerPages.Routes());
    }
}

/// <summary>The customer-scoped pages, read from the app's compiled page routes.</summary>
public static class CustomerPages
{
    public static IReadOnlyList<string> Routes()
    {
        var routes = typeof(Program).Assembly.GetTypes()
            .SelectMany(t => t.GetCustomAttributes(typeof(Microsoft.AspNetCore.Razor.Hosting.RazorCompiledItemMetadataAttribute), false))
            .Cast<Microsoft.AspNetCore.Razor.Hosting.RazorCompiledItemMetadataAttribute>()
            .Where(a => a.Key == "RouteTemplate" && a.Value.Contains("{customer}", StringComparison.Ordinal))
            // Vendor pages name any customer and refuse customer users outright (Pages/Vendor/OperatorAccessTests).
            .Where(a => !a.Value.TrimStart('/').StartsWith("vendor/", StringComparison.OrdinalIgnoreCase))
            .Select(a => "/" + a.Value.TrimStart('/'))
            .Distinct()
            .Order()
            .ToList();
        return routes;
    }
}

public sealed class SqliteCustomerScopeTests(SqliteApp app) : CustomerScopeTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlCustomerScopeTests(PostgreSqlApp app) : CustomerScopeTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerCustomerScopeTests(SqlServerApp app) : CustomerScopeTests(app), IClassFixture<SqlServerApp>;
