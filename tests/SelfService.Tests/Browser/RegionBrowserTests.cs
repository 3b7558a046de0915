using System.Net;
using SelfService.Demo;
using SelfService.Requests;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Integration;
using SelfService.Tests.Requests;

namespace SelfService.Tests.Browser;

/// <summary>The pages region rules touch, at desktop and phone width: styled, accessible, no sideways scroll; screenshots for review.</summary>
[Collection(BrowserFixture.Collection)]
public sealed class RegionBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>Umbrella's 4K only in the EU and the UK, 2 more streams in DACH; a pending request for SSO in Japan from Globex.</summary>
    private async Task<long> Arrange()
    {
        var app = browser.App;
        var api = await ApiTestClient.Provisioner(app);
        var grants = await (await api.GetAsync("/api/v1/customers/umbrella/grants")).JsonOf(HttpStatusCode.OK);
        foreach (var g in grants.EnumerateArray().Where(g => g.GetProperty("feature").GetString() == "4k-streaming" && g.GetProperty("state").GetString() == "active"))
            await (await api.Send(HttpMethod.Delete, $"/api/v1/customers/umbrella/grants/{g.GetProperty("id").GetInt64()}")).JsonOf(HttpStatusCode.NoContent);
        await (await api.Send(HttpMethod.Post, "/api/v1/customers/umbrella/grants",
            """{"feature":"4k-streaming","value":true,"reason":"Festival rights","regions":{"only":["EU","GB"]}}""")).JsonOf(HttpStatusCode.Created);
        await (await api.Send(HttpMethod.Post, "/api/v1/customers/umbrella/grants",
            """{"feature":"max-simultaneous-streams","value":2,"reason":"Berlin office","regions":{"only":["DACH"]}}""")).JsonOf(HttpStatusCode.Created);
        var request = await RequestTestKit.Ask(app, DemoUsers.GlobexOwner, new RequestDraft
        {
            Kind = RequestKind.Access, FeatureHandle = "sso", DurationDays = 5, Places = "JP", Justification = "Trade fair in Tokyo",
        });
        return request.Id;
    }

    [Fact]
    public async Task RegionPages_AtDesktopAndPhoneWidth_AreAccessible_AndDoNotScrollSideways()
    {
        var request = await Arrange();
        var pages = new (string Url, string Name, string Email)[]
        {
            ("/customers/umbrella/entitlements", "portal-entitlements-regions", DemoUsers.UmbrellaOwner),
            ("/customers/umbrella/entitlements?tab=granted", "portal-granted-regions", DemoUsers.UmbrellaOwner),
            ("/customers/globex/requests/new?kind=Access", "portal-request-access-where", DemoUsers.GlobexOwner),
            ("/vendor/catalog/regions", "staff-regions", DemoUsers.Operator),
            ("/vendor/catalog/plans", "staff-plan-new-where", DemoUsers.Operator),
            ("/vendor/catalog/features/2", "staff-feature-no-country-policy", DemoUsers.Operator),
            ("/vendor/customers/umbrella?tab=explicit", "staff-grants-where", DemoUsers.Operator),
            ("/vendor/customers/umbrella", "staff-inherited-where", DemoUsers.Operator),
            ($"/vendor/approvals/{request}", "staff-approval-where", DemoUsers.Approver),
        };
        foreach (var (url, name, email) in pages)
        foreach (var width in new[] { 1280, 390 })
        {
            var page = await browser.SignedIn(email, width);
            var response = await page.GotoAsync(url);
            Assert.Equal(200, response!.Status);
            await BrowserFixture.Screenshot(page, $"{name}-{width}");
            await BrowserFixture.AssertAccessible(page);
            var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
            Assert.False(overflow, $"{url} scrolls sideways at {width} px");
            if (name == "portal-entitlements-regions")
                Assert.Equal("— in the EU and the UK", (await page.Locator("[data-testid=entitlement][data-handle='4k-streaming'] [data-testid=where]").InnerTextAsync()).Trim());
            if (name == "staff-approval-where")
                Assert.Contains("in Japan", await page.GetByTestId("request-title").InnerTextAsync());
            await page.Context.CloseAsync();
        }
    }
}
