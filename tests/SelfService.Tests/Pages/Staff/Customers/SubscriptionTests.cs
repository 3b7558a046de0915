using AngleSharp.Dom;
using System.Net;
using AngleSharp.Html.Dom;
using SelfService.Entitlements;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Staff.Customers;

public abstract class SubscriptionTests(AppFactory app)
{
    private async Task<long> FeatureId(string handle) => await app.Scalar<long>("select Id from Feature where Handle = @handle", new { handle });

    [SkippableTheory]
    [InlineData("acm", "acme")]
    [InlineData("UMBRELLA f", "umbrella")]
    [InlineData("Films", "umbrella")]
    public async Task Get_Search_FindsCustomersByKeyOrName(string query, string key)
    {
        var client = await OperatorClient.SignIn(app);
        var page = await client.GetDocument("/vendor/customers?q=" + Uri.EscapeDataString(query));
        var match = Assert.Single(page.AllByTestId("match"));
        Assert.Equal(key, match.GetAttribute("data-key"));
    }

    [SkippableFact]
    public async Task Get_Search_ExactKey_GoesStraightToTheSubscription()
    {
        var client = await OperatorClient.SignIn(app);
        var response = await client.Get("/vendor/customers?q=hooli");
        Assert.Equal("/vendor/customers/hooli", response.Headers.Location!.OriginalString);
        var none = await client.GetDocument("/vendor/customers?q=nobody-here");
        Assert.NotNull(none.ByTestId("no-matches"));
    }

    [SkippableFact]
    public async Task Get_Subscription_SeparatesInheritedFromExplicitlyAdded()
    {
        var client = await OperatorClient.SignIn(app);
        var inherited = await client.GetDocument("/vendor/customers/acme");
        var members = inherited.QuerySelector("[data-testid=inherited] [data-testid=entitlement][data-handle=max-members]")!;
        Assert.Equal("35 members", members.ByTestId("inherited-value").Text()); // Business 25 + Extra Seats 10
        Assert.Equal("40 members", members.ByTestId("effective-value").Text()); // + the 5-seat grant
        Assert.DoesNotContain(members.AllByTestId("source"), s => s.GetAttribute("data-kind") == "Grant");

        var added = await client.GetDocument("/vendor/customers/acme?tab=explicit");
        var grant = Assert.Single(added.AllByTestId("grant"));
        Assert.Equal("max-members", grant.GetAttribute("data-handle"));
        Assert.Contains("Negotiated at the 2026 renewal", grant.Text());
        Assert.Equal("page", added.ByTestId("tab-explicit").GetAttribute("aria-current"));
    }

    [SkippableFact]
    public async Task Post_TemporaryGrant_For4kDuringAnEvent_CountsInsideItsWindowOnly()
    {
        await using var own = new AppFactory { Database = app.Database };
        var client = await OperatorClient.SignIn(own);
        var fourK = await own.Scalar<long>("select Id from Feature where Handle = '4k-streaming'");
        var form = await client.GetDocument("/vendor/customers/globex?tab=explicit");
        var response = await client.Submit(form.Form("[data-testid=grant-form]"), new()
        {
            ["Grant.FeatureId"] = fourK.ToString(), ["Grant.Value"] = "", ["Grant.Duration"] = "temporary",
            ["Grant.ValidFrom"] = "2026-11-21T18:00", ["Grant.ValidUntil"] = "2026-11-22T02:00", ["Grant.Reason"] = "Launch party stream",
        });
        var page = await client.Follow(response);
        var grant = page.QuerySelector("[data-testid=grant][data-handle='4k-streaming']")!;
        Assert.Equal("scheduled", grant.GetAttribute("data-state"));

        var entitlements = own.Get<EntitlementService>();
        Assert.False((await entitlements.ForCustomerAsync("globex"))!.For("4k-streaming")?.HasAccess ?? false);
        Assert.True((await entitlements.ForCustomerAsync("globex", new DateTime(2026, 11, 21, 20, 0, 0, DateTimeKind.Utc)))!.For("4k-streaming")!.HasAccess);
        Assert.False((await entitlements.ForCustomerAsync("globex", new DateTime(2026, 11, 22, 2, 0, 0, DateTimeKind.Utc)))!.For("4k-streaming")?.HasAccess ?? false);
        var audit = await own.Scalar<string>("select NewValue from AuditEntry where Kind = 'grant.added' and Actor = 'operator@vendor.example' order by Id desc");
        Assert.Equal("4k-streaming included from 2026-11-21 18:00 until 2026-11-22 02:00 UTC", audit);
    }

    [SkippableFact]
    public async Task Post_PermanentGrant_AddsToTheEffectiveValueAtOnce()
    {
        var client = await OperatorClient.SignIn(app);
        var storage = await FeatureId("storage-gb");
        var before = (await app.Get<EntitlementService>().ForCustomerAsync("initech"))!.For("storage-gb")!.Limit;
        var response = await client.SubmitForm("/vendor/customers/initech?tab=explicit", "grant-form", new()
        {
            ["Grant.FeatureId"] = storage.ToString(), ["Grant.Value"] = "250", ["Grant.Duration"] = "permanent", ["Grant.Reason"] = "Migration headroom",
        });
        var page = await client.Follow(response);
        Assert.Contains("Granted", page.ByTestId("flash").Text());
        Assert.Equal(before + 250, (await app.Get<EntitlementService>().ForCustomerAsync("initech"))!.For("storage-gb")!.Limit);
    }

    [SkippableTheory]
    [InlineData("sso", "3", "permanent", "", "", "Trial", "Grant.Value", "not a number")]
    [InlineData("storage-gb", "-10", "permanent", "", "", "Trial", "Grant.Value", "can't be negative")]
    [InlineData("storage-gb", "0", "permanent", "", "", "Trial", "Grant.Value", "Zero adds nothing")]
    [InlineData("storage-gb", "10", "permanent", "", "", "  ", "Grant.Reason", "Give a reason")]
    [InlineData("storage-gb", "10", "temporary", "", "", "Trial", "Grant.ValidUntil", "needs an end")]
    [InlineData("storage-gb", "10", "temporary", "2026-11-25T00:00", "2026-11-24T00:00", "Trial", "Grant.ValidUntil", "must come after the start")]
    [InlineData("storage-gb", "10", "temporary", "2026-11-01T00:00", "2026-11-10T00:00", "Trial", "Grant.ValidUntil", "in the past")]
    public async Task Post_BadGrant_ShowsErrorBesideTheField_AndSavesNothing(string handle, string value, string duration, string from, string until, string reason, string field, string error)
    {
        var client = await OperatorClient.SignIn(app);
        var grants = await app.Scalar<long>("select count(*) from EntitlementGrant");
        var response = await client.SubmitForm("/vendor/customers/hooli?tab=explicit", "grant-form", new()
        {
            ["Grant.FeatureId"] = (await FeatureId(handle)).ToString(), ["Grant.Value"] = value, ["Grant.Duration"] = duration,
            ["Grant.ValidFrom"] = from, ["Grant.ValidUntil"] = until, ["Grant.Reason"] = reason,
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await PageClient.Parse(response);
        Assert.Contains(error, page.ErrorFor(field));
        Assert.Equal(value, page.QuerySelector<IHtmlInputElement>("#Grant_Value")!.Value);
        Assert.Equal(grants, await app.Scalar<long>("select count(*) from EntitlementGrant"));
    }

    [SkippableFact]
    public async Task Post_RemoveGrant_NeedsAReason_ThenEndsItNow_AndKeepsItInTheHistory()
    {
        await using var own = new AppFactory { Database = app.Database };
        var client = await OperatorClient.SignIn(own);
        var page = await client.GetDocument("/vendor/customers/umbrella?tab=explicit");
        var form = (IHtmlFormElement)page.QuerySelector("[data-testid=grant][data-handle='4k-streaming'] form")!;

        var refused = await PageClient.Parse(await client.Submit(form, new() { ["reason"] = "" }));
        Assert.Contains("Give a reason", refused.ByTestId("revoke-error").Text());
        Assert.True((await own.Get<EntitlementService>().ForCustomerAsync("umbrella"))!.For("4k-streaming")!.HasAccess);

        var done = await client.Follow(await client.Submit(form, new() { ["reason"] = "Event cancelled" }));
        Assert.Equal("removed", done.QuerySelector("[data-testid=grant][data-handle='4k-streaming']")!.GetAttribute("data-state"));
        Assert.False((await own.Get<EntitlementService>().ForCustomerAsync("umbrella"))!.For("4k-streaming")?.HasAccess ?? false);
        Assert.Equal("Event cancelled", await own.Scalar<string>("select Reason from AuditEntry where Kind = 'grant.revoked'"));
    }

    [SkippableFact]
    public async Task Post_RemoveAnotherCustomersGrant_Is404()
    {
        var client = await OperatorClient.SignIn(app);
        var umbrellaGrant = await app.Scalar<long>("select g.Id from EntitlementGrant g join Subscription s on s.Id = g.SubscriptionId join Customer c on c.Id = s.CustomerId where c.ExternalKey = 'umbrella'");
        var response = await client.PostDirect("/vendor/customers/acme?handler=Revoke", "/vendor/customers/acme", new() { ["grantId"] = umbrellaGrant.ToString(), ["reason"] = "x" });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Null(await app.Scalar<DateTime?>("select RevokedAt from EntitlementGrant where Id = @umbrellaGrant", new { umbrellaGrant }));
    }

    [SkippableFact]
    public async Task Get_UnknownCustomer_Is404()
    {
        var client = await OperatorClient.SignIn(app);
        Assert.Equal(HttpStatusCode.NotFound, (await client.Get("/vendor/customers/nobody")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.Get("/vendor/customers/nobody/plan")).StatusCode);
    }
}

public sealed class SqliteSubscriptionTests(SqliteApp app) : SubscriptionTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlSubscriptionTests(PostgreSqlApp app) : SubscriptionTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerSubscriptionTests(SqlServerApp app) : SubscriptionTests(app), IClassFixture<SqlServerApp>;

/// <summary>An Operator sees a customer's scheduled plan change on the subscription page and cancels it (once).</summary>
public abstract class ScheduledChangeSubscriptionTests(TestDatabase database) : IDisposable
{
    private AppFactory? _app;
    private AppFactory App => _app ??= new AppFactory { Database = database };

    public void Dispose() => _app?.Dispose();

    [SkippableFact]
    public async Task Get_ShowsTheScheduledChange_AndCancel_PostedTwice_CancelsOnce()
    {
        await SelfService.Tests.Requests.RequestTestKit.Ask(App, SelfService.Demo.DemoUsers.AcmeOwner,
            new SelfService.Requests.RequestDraft { Kind = SelfService.Requests.RequestKind.Plan, PlanCode = "starter", ConfirmDowngrade = true });
        var client = await OperatorClient.SignIn(App);
        var page = await client.GetDocument("/vendor/customers/acme");

        Assert.StartsWith("Changes to Starter on 1 Dec 2026, 00:00 UTC — scheduled by owner@acme.example (request #", page.ByTestId("scheduled-text").Text());
        var form = page.Form("[data-testid=cancel-scheduled-form]");
        var done = await client.Follow(await client.Submit(form, []));
        var again = await client.Follow(await client.Submit(form, []));

        Assert.Equal("Cancelled the scheduled plan change: the plan stays.", done.ByTestId("flash").Text());
        Assert.Equal("There is no scheduled plan change left to cancel.", again.ByTestId("flash").Text());
        Assert.Empty(again.AllByTestId("scheduled-change"));
        Assert.Equal(1, await App.Scalar<long>("select count(*) from AuditEntry where Kind = 'subscription.scheduled-change-cancelled' and Actor = @a",
            new { a = OperatorClient.Email }));
    }
}

public sealed class SqliteScheduledChangeSubscriptionTests() : ScheduledChangeSubscriptionTests(TestDatabase.Sqlite);

public sealed class PostgreSqlScheduledChangeSubscriptionTests() : ScheduledChangeSubscriptionTests(TestDatabase.PostgreSql);

public sealed class SqlServerScheduledChangeSubscriptionTests() : ScheduledChangeSubscriptionTests(TestDatabase.SqlServer);
