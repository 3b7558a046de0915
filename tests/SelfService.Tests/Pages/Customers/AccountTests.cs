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

/// <summary>
/// A downgrade scheduled for the end of the period, as the customer sees it on the overview and the entitlements page:
/// "Business changes to Starter on 1 Dec 2026, 00:00 UTC", cancellable by an Owner or Admin until then. Each test has
/// its own demo (the change is written).
/// </summary>
public abstract class ScheduledChangePageTests(TestDatabase database) : IDisposable
{
    private AppFactory? _app;
    private AppFactory App => _app ??= new AppFactory { Database = database };

    public void Dispose() => _app?.Dispose();

    private async Task ScheduleStarter() =>
        await SelfService.Tests.Requests.RequestTestKit.Ask(App, DemoUsers.AcmeOwner,
            new SelfService.Requests.RequestDraft { Kind = SelfService.Requests.RequestKind.Plan, PlanCode = "starter", ConfirmDowngrade = true });

    private Task<long> Cancelled() => SelfService.Tests.Requests.RequestTestKit.AuditCount(App, "subscription.scheduled-change-cancelled");

    [SkippableFact]
    public async Task Overview_SaysWhenThePlanChanges_AndTheOwnersCancel_PostedTwice_CancelsOnce()
    {
        await ScheduleStarter();
        var owner = await PageClient.SignedInAs(App, DemoUsers.AcmeOwner);
        var overview = await owner.GetDocument("/customers/acme");

        Assert.Equal("Business changes to Starter on 1 Dec 2026, 00:00 UTC", overview.ByTestId("scheduled-text").Text());
        Assert.Equal("changes to Starter on 1 Dec 2026, 00:00 UTC", overview.ByTestId("plan-next").Text());
        Assert.Contains("An upgrade asked for before then applies at once and replaces this change", overview.ByTestId("scheduled-change").Text());
        var form = overview.Form("[data-testid=cancel-scheduled-form]");

        var first = await owner.Submit(form, []);
        var second = await owner.Submit(form, []); // the same form again: a double click, a retry

        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        Assert.Equal(1, await Cancelled());
        var after = await owner.GetDocument(first.Headers.Location!.OriginalString);
        Assert.Empty(after.AllByTestId("scheduled-change"));
        Assert.Equal("The scheduled plan change is cancelled: you stay on Business.", after.ByTestId("scheduled-cancelled").Text());
        Assert.Equal(100_000, (await App.Get<EntitlementService>().ForCustomerAsync("acme", new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc)))!.For("api-calls")!.Limit);
    }

    [SkippableFact]
    public async Task Entitlements_ShowTheScheduledChange_AnAdminCancelsThere_AMemberCannot()
    {
        await ScheduleStarter();
        var member = await PageClient.SignedInAs(App, DemoUsers.AcmeMember);
        var seen = await member.GetDocument("/customers/acme/entitlements");

        Assert.Equal("Business changes to Starter on 1 Dec 2026, 00:00 UTC", seen.ByTestId("scheduled-text").Text());
        Assert.Empty(seen.AllByTestId("cancel-scheduled"));
        var refused = await member.PostDirect("/customers/acme?handler=CancelScheduledChange", "/customers/acme", new());
        SelfService.Tests.Requests.RequestTestKit.AssertRefused(refused);
        Assert.Equal(0, await Cancelled());

        var admin = await PageClient.SignedInAs(App, DemoUsers.AcmeAdmin);
        var page = await admin.GetDocument("/customers/acme/entitlements");
        var done = await admin.Submit(page.Form("[data-testid=cancel-scheduled-form]"), []);

        Assert.Equal("/customers/acme/entitlements?notice=scheduled-cancelled", done.Headers.Location!.OriginalString);
        Assert.Equal(1, await Cancelled());
        Assert.Empty((await admin.GetDocument("/customers/acme/entitlements")).AllByTestId("scheduled-text"));
    }
}

public sealed class SqliteScheduledChangePageTests() : ScheduledChangePageTests(TestDatabase.Sqlite);

public sealed class PostgreSqlScheduledChangePageTests() : ScheduledChangePageTests(TestDatabase.PostgreSql);

public sealed class SqlServerScheduledChangePageTests() : ScheduledChangePageTests(TestDatabase.SqlServer);
