using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Razor.Hosting;
using SelfService.Demo;
using SelfService.Pages.Staff;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Staff;

/// <summary>
/// Only Operators reach the operators' area: every page and every form of it, fetched or posted directly by a customer's
/// user or an approver, answers 403 or 404 and changes nothing. The pages are read from the compiled routes, so a new
/// operator page is covered without being listed here.
/// </summary>
public abstract class OperatorAccessTests(AppFactory app)
{
    public sealed record OperatorPageInfo(string Route, Type Model);

    public static IReadOnlyList<OperatorPageInfo> Pages() =>
        typeof(Program).Assembly.GetTypes()
            .Select(t => (Type: t, Route: t.GetCustomAttributes<RazorCompiledItemMetadataAttribute>().FirstOrDefault(a => a.Key == "RouteTemplate")?.Value))
            .Where(x => x.Route is not null && x.Type.GetProperty("Model")?.PropertyType is { } m && m.IsSubclassOf(typeof(OperatorPage)))
            .Select(x => new OperatorPageInfo("/" + x.Route!.TrimStart('/'), x.Type.GetProperty("Model")!.PropertyType))
            .OrderBy(p => p.Route, StringComparer.Ordinal)
            .ToList();

    /// <summary>A URL for the route: the acme customer, an existing id.</summary>
    private static string Url(string route) => route.Replace("{customer}", "acme").Replace("{id:long?}", "1").Replace("{id:long}", "1");

    /// <summary>Webhook endpoint 1 exists, so its page is there to be refused or reached.</summary>
    private async Task EnsureWebhookEndpoint()
    {
        var store = app.Get<SelfService.Webhooks.WebhookEndpointStore>();
        if ((await store.ListAsync()).Count == 0)
            await store.CreateAsync(new SelfService.Webhooks.EndpointChange("https://example.com/hooks", ["customer.created"], true, null), "tests");
    }

    /// <summary>Every form the page handles: "" for OnPostAsync, the handler name for OnPostXxxAsync.</summary>
    private static IEnumerable<string> Handlers(Type model) =>
        model.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly)
            .Where(m => m.Name.StartsWith("OnPost", StringComparison.Ordinal))
            .Select(m => m.Name["OnPost".Length..].Replace("Async", "", StringComparison.Ordinal));

    public static TheoryData<string> Outsiders => new(DemoUsers.AcmeOwner, DemoUsers.AcmeMember, DemoUsers.GlobexOwner, DemoUsers.Approver);

    [SkippableFact]
    public void EveryOperatorPage_IsFound()
    {
        var routes = Pages().Select(p => p.Route).ToList();
        Assert.Equal(
            ["/vendor/analytics", "/vendor/api-keys", "/vendor/catalog", "/vendor/catalog/add-ons/{id:long?}", "/vendor/catalog/features/{id:long?}",
             "/vendor/catalog/plans/{id:long?}", "/vendor/catalog/regions", "/vendor/customers", "/vendor/customers/new", "/vendor/customers/{customer}", "/vendor/customers/{customer}/people",
             "/vendor/customers/{customer}/plan",
             "/vendor/webhooks", "/vendor/webhooks/{id:long}"],
            routes);
        Assert.Contains(Pages(), p => Handlers(p.Model).Contains("Grant"));
    }

    [SkippableTheory]
    [MemberData(nameof(Outsiders))]
    public async Task EveryOperatorPageAndForm_AnswersForbiddenOrNotFound_AndChangesNothing(string email)
    {
        await EnsureWebhookEndpoint();
        var client = await PageClient.SignedInAs(app, email);
        var tokenPage = email.EndsWith("@vendor.example", StringComparison.Ordinal) ? "/" : "/customers/" + email[(email.IndexOf('@') + 1)..].Split('.')[0];
        var changes = await ChangeCount();
        var tried = 0;
        foreach (var page in Pages())
        {
            var url = Url(page.Route);
            await AssertRefused(client, await client.Get(url), $"GET {url}");
            await AssertRefused(client, await client.Get(url + "?handler=Csv"), $"GET {url}?handler=Csv");
            foreach (var handler in Handlers(page.Model))
            {
                var target = handler.Length == 0 ? url : $"{url}?handler={handler}";
                var response = await client.PostDirect(target, tokenPage, new()
                {
                    ["Input.Handle"] = "hijack", ["Input.Name"] = "Hijack", ["Input.Kind"] = "Boolean", ["Input.Scopes"] = "usage:write",
                    ["Input.Code"] = "hijack", ["Input.Family"] = "team", ["Input.Price"] = "0", ["Input.MaxQuantity"] = "1",
                    ["Grant.FeatureId"] = "1", ["Grant.Value"] = "1000", ["Grant.Duration"] = "permanent", ["Grant.Reason"] = "hijack",
                    ["grantId"] = "1", ["reason"] = "hijack", ["Reason"] = "hijack", ["planId"] = "1", ["addOnId"] = "1", ["id"] = "1",
                });
                await AssertRefused(client, response, $"POST {target}");
                tried++;
            }
        }
        Assert.True(tried >= 11, $"only {tried} forms tried");
        Assert.Equal(changes, await ChangeCount());
    }

    [SkippableFact]
    public async Task AuditLog_IsForVendorStaff_NotForCustomers()
    {
        var customer = await PageClient.SignedInAs(app, DemoUsers.AcmeOwner);
        await AssertRefused(customer, await customer.Get("/vendor/audit"), "GET /vendor/audit");
        await AssertRefused(customer, await customer.Get("/vendor/audit?handler=Csv"), "GET /vendor/audit?handler=Csv");

        // Read-only and offered to approvers by the main navigation.
        var approver = await PageClient.SignedInAs(app, DemoUsers.Approver);
        Assert.Equal(HttpStatusCode.OK, (await approver.Get("/vendor/audit")).StatusCode);
    }

    [SkippableFact]
    public async Task Operator_ReachesEveryOperatorPage()
    {
        await EnsureWebhookEndpoint();
        var client = await OperatorClient.SignIn(app);
        foreach (var page in Pages())
            Assert.Equal(HttpStatusCode.OK, (await client.Get(Url(page.Route))).StatusCode);
    }

    private async Task<long> ChangeCount() =>
        await app.Scalar<long>("select count(*) from AuditEntry") + await app.Scalar<long>("select count(*) from Feature")
        + await app.Scalar<long>("select count(*) from PricePlan") + await app.Scalar<long>("select count(*) from EntitlementGrant")
        + await app.Scalar<long>("select count(*) from ApiKey") + await app.Scalar<long>("select count(*) from WebhookEndpoint where DeletedAt is null and DisabledAt is null") + await app.Scalar<long>("select count(*) from EntitlementGrant where RevokedAt is not null");

    /// <summary>403 or 404; the cookie scheme answers a forbidden request with a redirect to the denied page, which answers 403.</summary>
    private static async Task AssertRefused(PageClient client, HttpResponseMessage response, string what)
    {
        if (response.StatusCode == HttpStatusCode.Redirect)
        {
            var location = response.Headers.Location!.IsAbsoluteUri ? response.Headers.Location.PathAndQuery : response.Headers.Location.OriginalString;
            Assert.True(location.StartsWith("/account/denied", StringComparison.Ordinal), $"{what} redirected to {location}");
            response = await client.Get(location);
        }
        Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"{what} answered {(int)response.StatusCode}");
    }
}

public sealed class SqliteOperatorAccessTests(SqliteApp app) : OperatorAccessTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlOperatorAccessTests(PostgreSqlApp app) : OperatorAccessTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerOperatorAccessTests(SqlServerApp app) : OperatorAccessTests(app), IClassFixture<SqlServerApp>;
