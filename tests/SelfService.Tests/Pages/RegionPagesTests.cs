using System.Net;
using AngleSharp.Html.Dom;
using SelfService.Audit;
using SelfService.Catalog;
using SelfService.Demo;
using SelfService.Requests;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Integration;
using SelfService.Tests.Pages.Staff;
using SelfService.Tests.Requests;

namespace SelfService.Tests.Pages;

/// <summary>
/// Region rules on the pages: the operator's regions and embargo, rules on plan rows and grants, what the customer reads
/// ("4K streaming — in the EU and the UK") and a request for access in another country as the approver sees it.
/// </summary>
public abstract class RegionPagesTests(AppFactory app)
{
    [SkippableFact]
    public async Task PlanForm_ARowWithARegionRule_IsSavedWithIt_AuditedAndShownAgain()
    {
        var client = await OperatorClient.SignIn(app);
        var form = await client.GetDocument("/vendor/catalog/plans");
        string Field(string handle, string suffix) =>
            form.QuerySelector($"[data-testid=entitlement-row][data-handle='{handle}'] [name$='.{suffix}']")!.GetAttribute("name")!;

        var bad = await PageClient.Parse(await client.Submit(form.Form("[data-testid=plan-form]"), new()
        {
            ["Input.Code"] = "geo-premium", ["Input.Family"] = "streaming", ["Input.Name"] = "Geo Premium", ["Input.Price"] = "30",
            [Field("4k-streaming", "Value")] = "included", [Field("4k-streaming", "RegionMode")] = "only", [Field("4k-streaming", "Places")] = "EU, UK",
        }));
        Assert.Contains("United Kingdom is GB", bad.ErrorFor(Field("4k-streaming", "Places")));

        var catalog = await client.Follow(await client.Submit(form.Form("[data-testid=plan-form]"), new()
        {
            ["Input.Code"] = "geo-premium", ["Input.Family"] = "streaming", ["Input.Name"] = "Geo Premium", ["Input.Price"] = "30",
            [Field("4k-streaming", "Value")] = "included", [Field("4k-streaming", "RegionMode")] = "only", [Field("4k-streaming", "Places")] = "eu, gb",
        }));
        Assert.Contains("Created the plan Geo Premium", catalog.ByTestId("flash").Text());
        var snapshot = await app.Get<CatalogStore>().SnapshotAsync();
        var plan = snapshot.Plans.Single(p => p.Code == "geo-premium");
        Assert.Equal("only:EU,GB", snapshot.EntitlementsOf(plan).Single().Regions);
        Assert.Equal(1, await app.Scalar<long>("select count(*) from AuditEntry where Kind = 'plan.created' and NewValue like '%4k-streaming included [only EU GB]%'"));

        var again = await client.GetDocument($"/vendor/catalog/plans/{plan.Id}");
        var row = again.QuerySelector("[data-testid=entitlement-row][data-handle='4k-streaming']")!;
        Assert.Equal("only", ((IHtmlSelectElement)row.QuerySelector("[data-testid=region-mode]")!).Value);
        Assert.Equal("EU, GB", ((IHtmlInputElement)row.QuerySelector("[data-testid=places]")!).Value);
    }

    [SkippableFact]
    public async Task Portal_SaysWhereEachEntitlementApplies_WithTheSourcesRulesInTheBreakdown()
    {
        var api = await ApiTestClient.Provisioner(app);
        var grants = await (await api.GetAsync("/api/v1/customers/umbrella/grants")).JsonOf(HttpStatusCode.OK);
        foreach (var g in grants.EnumerateArray().Where(g => g.GetProperty("feature").GetString() == "4k-streaming" && g.GetProperty("state").GetString() == "active"))
            await (await api.Send(HttpMethod.Delete, $"/api/v1/customers/umbrella/grants/{g.GetProperty("id").GetInt64()}")).JsonOf(HttpStatusCode.NoContent);
        await (await api.Send(HttpMethod.Post, "/api/v1/customers/umbrella/grants",
            """{"feature":"4k-streaming","value":true,"reason":"Festival rights","regions":{"only":["EU","GB"]}}""")).JsonOf(HttpStatusCode.Created);
        await (await api.Send(HttpMethod.Post, "/api/v1/customers/umbrella/grants",
            """{"feature":"max-simultaneous-streams","value":2,"reason":"Berlin office","regions":{"only":["DACH"]}}""")).JsonOf(HttpStatusCode.Created);

        var client = await PageClient.SignedInAs(app, DemoUsers.UmbrellaOwner);
        var page = await client.GetDocument("/customers/umbrella/entitlements");

        var fourK = page.QuerySelector("[data-testid=entitlement][data-handle='4k-streaming']")!;
        Assert.Equal("— in the EU and the UK", fourK.ByTestId("where").Text());
        Assert.Equal("· in the EU and the UK", fourK.ByTestId("source-where").Text());
        var streams = page.QuerySelector("[data-testid=entitlement][data-handle='max-simultaneous-streams']")!;
        Assert.Null(streams.QuerySelector("[data-testid=where]")); // the plan's streams count everywhere
        Assert.Equal(["· in DACH"], streams.AllByTestId("source-where").Select(s => s.Text()));
        Assert.Equal("1 stream", streams.ByTestId("entitlement-value").Text()); // Standard's stream counts everywhere
        Assert.Equal("up to 3 streams where the rules beside it allow", streams.ByTestId("value-where").Text());
        var granted = await client.GetDocument("/customers/umbrella/entitlements?tab=granted");
        Assert.Contains(granted.AllByTestId("grant-where"), g => g.Text() == "in the EU and the UK");
    }

    [SkippableFact]
    public async Task Request_ForAccessInAnotherCountry_TheApproverSeesWhere_AndTheGrantCountsOnlyThere()
    {
        var owner = await PageClient.SignedInAs(app, DemoUsers.GlobexOwner);
        var form = await owner.GetDocument("/customers/globex/requests/new?kind=Access");
        var bad = await PageClient.Parse(await owner.Submit(form.Form(), new()
        {
            ["Kind"] = "Access", ["FeatureHandle"] = "sso", ["DurationDays"] = "5", ["Places"] = "Atlantis", ["Justification"] = "Trade fair in Tokyo",
        }));
        Assert.Contains("Atlantis", bad.ByTestId("error-Places").Text());
        var sent = await owner.Submit(form.Form(), new()
        {
            ["Kind"] = "Access", ["FeatureHandle"] = "sso", ["DurationDays"] = "5", ["Places"] = "jp", ["Justification"] = "Trade fair in Tokyo",
        });
        Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
        var request = await RequestTestKit.Scalar<long>(app, "select max(Id) from AccessRequest where Regions = 'only:JP'");

        var approver = await PageClient.SignedInAs(app, DemoUsers.Approver);
        var detail = await approver.GetDocument($"/vendor/approvals/{request}");
        Assert.Contains("in Japan", detail.ByTestId("request-title").Text());
        var stored = await app.Get<RequestStore>().FindAsync(request);
        await RequestTestKit.Decide(app, DemoUsers.Approver, stored!, new RequestDecision(true));

        var api = await ApiTestClient.Reader(app);
        Assert.True((await (await api.GetAsync("/api/v1/customers/globex/entitlements/sso?country=JP")).JsonOf(HttpStatusCode.OK)).GetProperty("hasAccess").GetBoolean());
        var elsewhere = await (await api.GetAsync("/api/v1/customers/globex/entitlements/sso?country=FR")).JsonOf(HttpStatusCode.OK);
        Assert.Equal("region-not-allowed", elsewhere.GetProperty("reason").GetString());
    }

    [SkippableFact]
    public async Task StaffGrantForm_TakesARegionRule_AndTheGrantListShowsIt()
    {
        var client = await OperatorClient.SignIn(app);
        var page = await client.GetDocument("/vendor/customers/hooli?tab=explicit");
        var features = await app.Get<CatalogStore>().FeaturesAsync();
        var fourK = features.Single(f => f.Handle == "4k-streaming").Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var bad = await PageClient.Parse(await client.Submit((IHtmlFormElement)page.ByTestId("grant-form"), new()
        {
            ["Grant.FeatureId"] = fourK, ["Grant.Reason"] = "US launch", ["Grant.RegionMode"] = "except", ["Grant.Places"] = "",
        }));
        Assert.NotEqual("", bad.ErrorFor("Grant.Places"));

        var saved = await client.Submit((IHtmlFormElement)page.ByTestId("grant-form"), new()
        {
            ["Grant.FeatureId"] = fourK, ["Grant.Reason"] = "US launch", ["Grant.RegionMode"] = "only", ["Grant.Places"] = "us, ca",
        });
        var after = await client.Follow(saved);
        Assert.Contains(after.AllByTestId("grant-where"), g => g.Text() == "only in US, CA");
        Assert.Equal(1, await app.Scalar<long>("select count(*) from AuditEntry where Kind = 'grant.added' and NewValue like '4k-streaming included permanent only US, CA'"));
    }
}

public sealed class SqliteRegionPagesTests(SqliteApp app) : RegionPagesTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlRegionPagesTests(PostgreSqlApp app) : RegionPagesTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerRegionPagesTests(SqlServerApp app) : RegionPagesTests(app), IClassFixture<SqlServerApp>;
