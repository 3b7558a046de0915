using AngleSharp.Dom;
using System.Net;
using SelfService.Api;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Staff;

public abstract class ApiKeysTests(AppFactory app)
{
    [SkippableFact]
    public async Task Post_Create_ShowsTheKeyOnce_AndItAuthenticatesWithItsScopes()
    {
        var client = await OperatorClient.SignIn(app);
        var response = await client.SubmitForm("/vendor/api-keys", "create-key-form", new() { ["Input.Name"] = "CRM sync" });
        Assert.Contains("Choose at least one scope", (await PageClient.Parse(response)).ErrorFor("Input.Scopes"));

        var page = await client.GetDocument("/vendor/api-keys");
        var form = page.Form("[data-testid=create-key-form]");
        var fields = new List<KeyValuePair<string, string>>
        {
            new("__RequestVerificationToken", page.QuerySelector<AngleSharp.Html.Dom.IHtmlInputElement>("[data-testid=create-key-form] input[name=__RequestVerificationToken]")!.Value),
            new("Input.Name", "CRM sync"), new("Input.Scopes", ApiScopes.EntitlementsRead), new("Input.Scopes", ApiScopes.ProvisioningWrite),
        };
        var before = await app.Scalar<long>("select count(*) from ApiKey");
        var posted = await client.Http.PostAsync("/vendor/api-keys?handler=Create", new FormUrlEncodedContent(fields));
        // Redirect after the post: a refresh of the page that shows the key reloads it, it does not post again.
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var created = await client.Get(posted.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Contains("no-store", created.Headers.CacheControl!.ToString());
        var shown = await PageClient.Parse(created);
        var plaintext = shown.QuerySelector<AngleSharp.Html.Dom.IHtmlInputElement>("[data-testid=plaintext-key]")!.Value;

        var key = await app.Get<ApiKeyStore>().VerifyAsync(plaintext);
        Assert.NotNull(key);
        Assert.Equal([ApiScopes.EntitlementsRead, ApiScopes.ProvisioningWrite], key.ScopeList);
        Assert.Equal(DemoUsers.Operator, key.CreatedBy);

        var later = await client.GetDocument(posted.Headers.Location!.OriginalString); // the refresh
        Assert.DoesNotContain(plaintext, later.DocumentElement.OuterHtml);
        Assert.Empty(later.AllByTestId("created-key"));
        Assert.Equal(before + 1, await app.Scalar<long>("select count(*) from ApiKey"));
        var row = later.QuerySelector($"[data-testid=key][data-prefix='{key.Prefix}']")!;
        Assert.Equal("a moment ago", row.ByTestId("last-used").Text());
        Assert.Equal(1, await app.Scalar<long>("select count(*) from AuditEntry where Kind = 'apikey.created' and Subject like @s", new { s = $"%{key.Prefix}%" }));
    }

    [SkippableFact]
    public async Task Post_Create_WithoutName_ShowsErrorBesideIt()
    {
        var client = await OperatorClient.SignIn(app);
        var before = await app.Scalar<long>("select count(*) from ApiKey");
        var response = await client.SubmitForm("/vendor/api-keys", "create-key-form", new() { ["Input.Name"] = " ", ["Input.Scopes"] = ApiScopes.UsageWrite });
        Assert.Contains("Name the key", (await PageClient.Parse(response)).ErrorFor("Input.Name"));
        Assert.Equal(before, await app.Scalar<long>("select count(*) from ApiKey"));
    }

    [SkippableFact]
    public async Task Post_Revoke_StopsTheKeyAtOnce()
    {
        var client = await OperatorClient.SignIn(app);
        var (key, plaintext) = await app.Get<ApiKeyStore>().CreateAsync("Old importer", [ApiScopes.UsageWrite], "test");
        var page = await client.GetDocument("/vendor/api-keys");
        var form = (AngleSharp.Html.Dom.IHtmlFormElement)page.QuerySelector($"[data-testid=key][data-prefix='{key.Prefix}'] form")!;
        var done = await client.Follow(await client.Submit(form, new()));

        Assert.Contains("Revoked “Old importer”", done.ByTestId("flash").Text());
        Assert.Equal("revoked", done.QuerySelector($"[data-testid=key][data-prefix='{key.Prefix}']")!.GetAttribute("data-state"));
        Assert.Null(await app.Get<ApiKeyStore>().VerifyAsync(plaintext));
        Assert.Equal(1, await app.Scalar<long>("select count(*) from AuditEntry where Kind = 'apikey.revoked' and Subject like @s", new { s = $"%{key.Prefix}%" }));

        var again = await client.PostDirect("/vendor/api-keys?handler=Revoke", "/vendor/api-keys", new() { ["id"] = key.Id.ToString() });
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [SkippableFact]
    public async Task Get_LinksToTheJobDashboard()
    {
        var client = await OperatorClient.SignIn(app);
        Assert.Equal("/hangfire", (await client.GetDocument("/vendor/api-keys")).ByTestId("hangfire-link").GetAttribute("href"));
    }
}

public sealed class SqliteApiKeysTests(SqliteApp app) : ApiKeysTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlApiKeysTests(PostgreSqlApp app) : ApiKeysTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerApiKeysTests(SqlServerApp app) : ApiKeysTests(app), IClassFixture<SqlServerApp>;
