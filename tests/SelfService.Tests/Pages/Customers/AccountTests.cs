using System.Net;
using SelfService.Demo;
using SelfService.Entitlements;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Customers;

public abstract class AccountTests(AppFactory app)
{
    [SkippableFact]
    public async Task Get_Member_SeesPlanAddOnsAndEveryEntitlementWithItsSources()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.AcmeMember);
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

    [SkippableFact]
    public async Task Get_ShowsTheSameEntitlementsAsTheEngine()
    {
        var engine = (await app.Get<EntitlementService>().ForCustomerAsync("hooli"))!;
        var client = await PageClient.SignedInAs(app, DemoUsers.HooliOwner);
        var page = await client.GetDocument("/customers/hooli/entitlements");

        var shown = page.AllByTestId("entitlement").ToDictionary(e => e.GetAttribute("data-handle")!, e => e.ByTestId("entitlement-value").Text());
        var expected = engine.Entitlements.Where(e => e.HasAccess).ToDictionary(e => e.Feature.Handle, e => EntitlementFormat.Value(e.Feature, e.Value));
        Assert.Equal(expected.OrderBy(x => x.Key), shown.OrderBy(x => x.Key));
        Assert.Equal("Unlimited", shown["max-members"]);
        Assert.Equal("1,500 GB", shown["storage-gb"]); // 1,000 from Enterprise + 500 trial grant
    }

    /// <summary>An Admin's "member asks for …" needs attention while it waits for them, not after they approved the spend.</summary>
    [SkippableFact]
    public async Task Get_Admin_SeesAMembersRequestUnderNeedsAttention_OnlyUntilItIsDecided()
    {
        var request = await SelfService.Tests.Requests.RequestTestKit.Ask(app, DemoUsers.AcmeMember,
            new SelfService.Requests.RequestDraft { Kind = SelfService.Requests.RequestKind.AddOn, AddOnCode = "extra-seats", Quantity = 1 }); // goes on to the vendor: nothing provisioned, the other tests see Acme as seeded
        var admin = await PageClient.SignedInAs(app, DemoUsers.AcmeAdmin);
        bool Listed(AngleSharp.Html.Dom.IHtmlDocument page) => page.AllByTestId("attention-item")
            .Any(i => i.GetAttribute("data-kind") == "request" && i.QuerySelector($"a[href='/customers/acme/requests/{request.Id}']") is not null && i.Text().Contains("asks for", StringComparison.Ordinal));
        Assert.True(Listed(await admin.GetDocument("/customers/acme")));

        var decided = await SelfService.Tests.Requests.RequestTestKit.Decide(app, DemoUsers.AcmeAdmin, request, new SelfService.Requests.RequestDecision(true));
        Assert.True(decided.Succeeded);

        Assert.False(Listed(await admin.GetDocument("/customers/acme")));
    }

    [SkippableFact]
    public async Task Get_VendorStaff_SeeAnyCustomer()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.Approver);
        var list = await client.GetDocument("/");
        Assert.Equal(5, list.ByTestId("customers").QuerySelectorAll("tbody tr").Length);

        var page = await client.GetDocument("/customers/initech");
        Assert.Equal("Business", page.ByTestId("plan-name").Text());
    }

    [SkippableFact]
    public async Task Get_UnknownCustomer_AsStaff_Is404()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.Operator);
        Assert.Equal(HttpStatusCode.NotFound, (await client.Get("/customers/nobody")).StatusCode);
    }

    [SkippableFact]
    public async Task Get_Home_AsCustomerUser_RedirectsToOwnAccount()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.GlobexOwner);
        var response = await client.Get("/");
        Assert.Equal("/customers/globex", response.Headers.Location!.OriginalString);
    }
}

/// <summary>Moves its own clock past the end of Umbrella's temporary grant.</summary>
public abstract class TemporaryGrantPageTests(AppFactory app)
{
    [SkippableFact]
    public async Task Get_TemporaryGrant_SaysWhenItEnds_AndDisappearsAfter()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.UmbrellaOwner);
        var page = await client.GetDocument("/customers/umbrella/entitlements");
        var fourK = page.QuerySelector("[data-testid=entitlement][data-handle='4k-streaming']")!;
        Assert.Contains("ends in 2 days", fourK.ByTestId("source").Text());

        var granted = await client.GetDocument("/customers/umbrella/entitlements?tab=granted");
        var grant = Assert.Single(granted.AllByTestId("grant"));
        Assert.Contains("ends in 2 days", grant.ByTestId("grant-window").Text());

        app.Clock.Advance(TimeSpan.FromDays(2));
        client = await PageClient.SignedInAs(app, DemoUsers.UmbrellaOwner);
        var after = await client.GetDocument("/customers/umbrella/entitlements");
        Assert.Null(after.QuerySelector("[data-testid=entitlement][data-handle='4k-streaming']"));
        Assert.NotNull(after.QuerySelector("[data-testid=locked] [data-testid=upgrade-prompt][data-feature='4k-streaming']"));
    }
}

public sealed class SqliteAccountTests(SqliteApp app) : AccountTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlAccountTests(PostgreSqlApp app) : AccountTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerAccountTests(SqlServerApp app) : AccountTests(app), IClassFixture<SqlServerApp>;

public sealed class SqliteTemporaryGrantPageTests(SqliteApp app) : TemporaryGrantPageTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlTemporaryGrantPageTests(PostgreSqlApp app) : TemporaryGrantPageTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerTemporaryGrantPageTests(SqlServerApp app) : TemporaryGrantPageTests(app), IClassFixture<SqlServerApp>;
