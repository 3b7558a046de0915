using System.Net;
using SelfService.Entitlements;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Customers;

public sealed class AccountTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task Get_Member_SeesPlanAddOnsAndEveryEntitlementWithItsSources()
    {
        var client = await PageClient.SignedInAs(app, "member@acme.example");
        var overview = await client.GetDocument("/customers/acme");

        Assert.Equal("Business", overview.ByTestId("plan-name").Text());
        var addOn = Assert.Single(overview.AllByTestId("addon"));
        Assert.Equal("extra-seats", addOn.GetAttribute("data-code"));
        Assert.Equal("× 1", addOn.ByTestId("addon-quantity").Text());

        var page = await client.GetDocument("/customers/acme/entitlements");

        var members = page.QuerySelector("[data-testid=entitlement][data-handle=max-members]")!;
        Assert.Equal("40 members", members.ByTestId("entitlement-value").Text());
        var sources = members.AllByTestId("source").Select(s => s.Text()).ToList();
        Assert.Equal(3, sources.Count);
        Assert.Contains("Business: 25 members", sources[0]);
        Assert.Contains("Extra Seats × 1: +10 members", sources[1]);
        Assert.Contains("+5 members — Negotiated at the 2026 renewal", sources[2]);
        Assert.Contains("permanent", sources[2]);
    }

    [Fact]
    public async Task Get_ShowsTheSameEntitlementsAsTheEngine()
    {
        var engine = (await app.Get<EntitlementService>().ForCustomerAsync("hooli"))!;
        var client = await PageClient.SignedInAs(app, "owner@hooli.example");
        var page = await client.GetDocument("/customers/hooli/entitlements");

        var shown = page.AllByTestId("entitlement").ToDictionary(e => e.GetAttribute("data-handle")!, e => e.ByTestId("entitlement-value").Text());
        var expected = engine.Entitlements.Where(e => e.HasAccess).ToDictionary(e => e.Feature.Handle, e => EntitlementFormat.Value(e.Feature, e.Value));
        Assert.Equal(expected.OrderBy(x => x.Key), shown.OrderBy(x => x.Key));
        Assert.Equal("Unlimited", shown["max-members"]);
        Assert.Equal("1,500 GB", shown["storage-gb"]); // 1,000 from Enterprise + 500 trial grant
    }

    /// <summary>An Admin's "member asks for …" needs attention while it waits for them, not after they approved the spend.</summary>
    [Fact]
    public async Task Get_Admin_SeesAMembersRequestUnderNeedsAttention_OnlyUntilItIsDecided()
    {
        var request = await SelfService.Tests.Requests.RequestTestKit.Ask(app, "member@acme.example",
            new SelfService.Requests.RequestDraft { Kind = SelfService.Requests.RequestKind.AddOn, AddOnCode = "extra-seats", Quantity = 1 }); // goes on to the vendor: nothing provisioned, the other tests see Acme as seeded
        var admin = await PageClient.SignedInAs(app, "admin@acme.example");
        bool Listed(AngleSharp.Html.Dom.IHtmlDocument page) => page.AllByTestId("attention-item")
            .Any(i => i.GetAttribute("data-kind") == "request" && i.QuerySelector($"a[href='/customers/acme/requests/{request.Id}']") is not null && i.Text().Contains("asks for", StringComparison.Ordinal));
        Assert.True(Listed(await admin.GetDocument("/customers/acme")));

        var decided = await SelfService.Tests.Requests.RequestTestKit.Decide(app, "admin@acme.example", request, new SelfService.Requests.RequestDecision(true));
        Assert.True(decided.Succeeded);

        Assert.False(Listed(await admin.GetDocument("/customers/acme")));
    }

    [Fact]
    public async Task Get_VendorStaff_SeeAnyCustomer()
    {
        var client = await PageClient.SignedInAs(app, "approver@vendor.example");
        var list = await client.GetDocument("/");
        Assert.Equal(5, list.ByTestId("customers").QuerySelectorAll("tbody tr").Length);

        var page = await client.GetDocument("/customers/initech");
        Assert.Equal("Business", page.ByTestId("plan-name").Text());
    }

    [Fact]
    public async Task Get_UnknownCustomer_AsStaff_Is404()
    {
        var client = await PageClient.SignedInAs(app, "operator@vendor.example");
        Assert.Equal(HttpStatusCode.NotFound, (await client.Get("/customers/nobody")).StatusCode);
    }

    [Fact]
    public async Task Get_Home_AsCustomerUser_RedirectsToOwnAccount()
    {
        var client = await PageClient.SignedInAs(app, "owner@globex.example");
        var response = await client.Get("/");
        Assert.Equal("/customers/globex", response.Headers.Location!.OriginalString);
    }
}

/// <summary>Moves its own clock past the end of Umbrella's temporary grant.</summary>
public sealed class TemporaryGrantPageTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task Get_TemporaryGrant_SaysWhenItEnds_AndDisappearsAfter()
    {
        var client = await PageClient.SignedInAs(app, "owner@umbrella.example");
        var page = await client.GetDocument("/customers/umbrella/entitlements");
        var fourK = page.QuerySelector("[data-testid=entitlement][data-handle='4k-streaming']")!;
        Assert.Contains("ends in 2 days", fourK.ByTestId("source").Text());

        var granted = await client.GetDocument("/customers/umbrella/entitlements?tab=granted");
        var grant = Assert.Single(granted.AllByTestId("grant"));
        Assert.Contains("ends in 2 days", grant.ByTestId("grant-window").Text());

        app.Clock.Advance(TimeSpan.FromDays(2));
        client = await PageClient.SignedInAs(app, "owner@umbrella.example");
        var after = await client.GetDocument("/customers/umbrella/entitlements");
        Assert.Null(after.QuerySelector("[data-testid=entitlement][data-handle='4k-streaming']"));
        Assert.NotNull(after.QuerySelector("[data-testid=locked] [data-testid=upgrade-prompt][data-feature='4k-streaming']"));
    }
}
