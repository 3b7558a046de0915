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

namespace SelfService.Tests.Pages.Staff.Catalog;

/// <summary>The regions and embargo page for Operators (<c>/vendor/catalog/regions</c>): named regions, the countries where nothing is granted.</summary>
public abstract class RegionsTests(AppFactory app)
{
    [SkippableFact]
    public async Task Regions_OperatorCreatesAndEditsARegion_BadCodesShowBesideTheField_AndEveryChangeIsAudited()
    {
        var client = await OperatorClient.SignIn(app);
        var page = await client.GetDocument("/vendor/catalog/regions");
        Assert.Equal(["DACH", "EEA", "EU", "NORTH-AMERICA"], page.AllByTestId("region").Select(r => r.GetAttribute("data-code")!).Where(c => c is "DACH" or "EEA" or "EU" or "NORTH-AMERICA"));

        var bad = await client.Submit((IHtmlFormElement)page.ByTestId("new-region-form"), new()
        {
            ["Input.Code"] = "NORDICS", ["Input.Name"] = "the Nordics", ["Input.Countries"] = "DK, FI, IS, NO, SE, XX",
        });
        var shown = await PageClient.Parse(bad);
        Assert.Contains("'XX' is not an assigned ISO 3166-1 alpha-2 country code", shown.ErrorFor("Input.Countries"));
        var clash = await client.Submit((IHtmlFormElement)page.ByTestId("new-region-form"), new()
        {
            ["Input.Code"] = "NA", ["Input.Name"] = "North America", ["Input.Countries"] = "US",
        });
        Assert.Contains("Namibia", (await PageClient.Parse(clash)).ErrorFor("Input.Code"));

        var created = await client.Follow(await client.Submit((IHtmlFormElement)page.ByTestId("new-region-form"), new()
        {
            ["Input.Code"] = "nordics", ["Input.Name"] = "the Nordics", ["Input.Countries"] = "dk fi is no se",
        }));
        Assert.Contains("Created the region NORDICS", created.ByTestId("flash").Text());
        var row = created.QuerySelector("[data-testid=region][data-code=NORDICS]")!;
        Assert.Contains("Denmark, Finland, Iceland, Norway, Sweden", row.Text());

        var edited = await client.Follow(await client.Submit((IHtmlFormElement)row.QuerySelector("form")!, new() { ["Input.Countries"] = "DK, FI, IS, NO, SE, AX" }));
        Assert.Contains("Åland Islands", edited.QuerySelector("[data-testid=region][data-code=NORDICS]")!.Text());
        Assert.Equal(1, await app.AuditCount(AuditKinds.RegionCreated));
        Assert.Equal(1, await app.AuditCount(AuditKinds.RegionUpdated));
    }

    [SkippableFact]
    public async Task Embargo_OperatorSavesTheList_TheCheckDeniesThere()
    {
        var client = await OperatorClient.SignIn(app);
        var page = await client.GetDocument("/vendor/catalog/regions");
        var bad = await PageClient.Parse(await client.Submit((IHtmlFormElement)page.ByTestId("embargo-form"), new() { ["Embargo"] = "KP, ZZ" }));
        Assert.Contains("'ZZ'", bad.ErrorFor("Embargo"));

        var saved = await client.Follow(await client.Submit((IHtmlFormElement)page.ByTestId("embargo-form"), new() { ["Embargo"] = "kp sy" }));
        try
        {
            Assert.Contains("North Korea, Syria", saved.ByTestId("embargo-names").Text());
            var api = await ApiTestClient.Reader(app);
            var check = await (await api.GetAsync("/api/v1/customers/acme/entitlements/max-members?country=SY")).JsonOf(HttpStatusCode.OK);
            Assert.Equal("embargoed", check.GetProperty("reason").GetString());
            Assert.Equal(1, await app.AuditCount(AuditKinds.EmbargoChanged));
        }
        finally
        {
            await app.Get<RegionStore>().SetEmbargoAsync("", "tests");
        }
    }
}

public sealed class SqliteRegionsTests(SqliteApp app) : RegionsTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlRegionsTests(PostgreSqlApp app) : RegionsTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerRegionsTests(SqlServerApp app) : RegionsTests(app), IClassFixture<SqlServerApp>;
