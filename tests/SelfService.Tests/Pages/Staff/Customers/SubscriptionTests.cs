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

/// <summary>
/// The operator's add-on quantities and status forms on the subscription page: the CRM API's rules and audit (both go
/// through SubscriptionChanges), a field message for a bad quantity, a confirmation before cancelling, and one effect per form.
/// </summary>
public abstract class SubscriptionControlsTests(AppFactory app)
{
    private static string QuantityName(IHtmlDocument page, string code) =>
        page.QuerySelector($"[data-testid=quantity-row][data-code='{code}'] [data-testid=quantity]")!.GetAttribute("name")!;

    private async Task<(IHtmlDocument Page, IHtmlFormElement Form)> AddOnsForm(PageClient client, string customer)
    {
        var page = await client.GetDocument($"/vendor/customers/{customer}");
        return (page, page.Form("[data-testid=addons-form]"));
    }

    private Task<long> Count(string sql, object args) => app.Scalar<long>(sql, args);

    private Task<long> AuditOf(string customer, string kind) => Count(
        "select count(*) from AuditEntry a join Customer c on c.Id = a.CustomerId where c.ExternalKey = @customer and a.Kind = @kind", new { customer, kind });

    private Task<long> EventsOf(string customer, string type) => Count(
        "select count(*) from OutboundEvent e join Customer c on c.Id = e.CustomerId where c.ExternalKey = @customer and e.Type = @type", new { customer, type });

    private async Task<long?> Seats(string customer) => (await app.Get<EntitlementService>().ForCustomerAsync(customer))!.For("max-members")!.Limit;

    [SkippableFact]
    public async Task AddOnQuantity_SetOnThePage_ChangesTheSubscription_WithTheAuditAndEventsTheApiWrites()
    {
        var client = await OperatorClient.SignIn(app);
        var (page, form) = await AddOnsForm(client, "acme");
        Assert.Equal("1", page.QuerySelector("[data-testid=quantity-row][data-code=extra-seats] [data-testid=quantity]")!.GetAttribute("value"));
        var changedEvents = await EventsOf("acme", "subscription.changed");

        var response = await client.Submit(form, new() { [QuantityName(page, "extra-seats")] = "3", ["AddOnsForm.Reason"] = "Hiring wave" });

        var after = await client.Follow(response);
        Assert.Contains("extra-seats ×1 → extra-seats ×3", after.ByTestId("flash").Text());
        Assert.Equal(60, await Seats("acme")); // Business 25 + 3 × 10 + the 5-seat grant
        Assert.Equal(3, await Requests.RequestTestKit.AddOnQuantity(app, "acme", "extra-seats"));
        var byPage = (await Integration.ApiTestClient.Audit(app, "acme")).First(e => e.Kind == SelfService.Audit.AuditKinds.AddOnChanged);
        Assert.Equal(("add-on extra-seats", "extra-seats ×1", "extra-seats ×3", "Hiring wave", OperatorClient.Email), (byPage.Subject, byPage.OldValue, byPage.NewValue, byPage.Reason, byPage.Actor));
        Assert.Equal(changedEvents + 1, await EventsOf("acme", "subscription.changed"));

        // The CRM's PUT of the same subscription writes the same kind of entry, through the same owner.
        var api = await Integration.ApiTestClient.Provisioner(app);
        using (var put = await Integration.ApiTestClient.Send(api, HttpMethod.Put, "/api/v1/customers/acme/subscription", """{"plan":"business","addOns":[{"code":"extra-seats","quantity":1}]}"""))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var byApi = (await Integration.ApiTestClient.Audit(app, "acme")).First(e => e.Kind == SelfService.Audit.AuditKinds.AddOnChanged);
        Assert.Equal(("add-on extra-seats", "extra-seats ×3", "extra-seats ×1"), (byApi.Subject, byApi.OldValue, byApi.NewValue));
        Assert.Equal(changedEvents + 2, await EventsOf("acme", "subscription.changed"));

        // An add-on of the family the subscription lacks is added; 0 removes one.
        (page, form) = await AddOnsForm(client, "acme");
        var added = await client.Follow(await client.Submit(form, new() { [QuantityName(page, "storage-pack")] = "2", [QuantityName(page, "extra-seats")] = "0", ["AddOnsForm.Reason"] = "Reshuffle" }));
        Assert.Contains("storage-pack ×2", added.ByTestId("flash").Text());
        Assert.Equal(2, await Requests.RequestTestKit.AddOnQuantity(app, "acme", "storage-pack"));
        Assert.Equal(0, await Requests.RequestTestKit.AddOnQuantity(app, "acme", "extra-seats"));
        Assert.Equal(1, await AuditOf("acme", SelfService.Audit.AuditKinds.AddOnRemoved));
        Assert.True(await AuditOf("acme", SelfService.Audit.AuditKinds.AddOnAdded) >= 1);
    }

    [SkippableTheory]
    [InlineData("11", "At most 10 of Extra Seats.")]
    [InlineData("-1", "At least 0: 0 removes the add-on.")]
    [InlineData("two", "Enter a whole number from 0 to 10.")]
    [InlineData("99999999999", "Enter a whole number from 0 to 10.")]
    public async Task AddOnQuantity_AboveTheMaximumOrBelowZero_IsAMessageBesideTheField_AndNothingChanges(string quantity, string message)
    {
        var client = await OperatorClient.SignIn(app);
        var (page, form) = await AddOnsForm(client, "initech");
        var audit = await Count("select count(*) from AuditEntry", new { });
        var storage = await Requests.RequestTestKit.AddOnQuantity(app, "initech", "storage-pack");
        var seats = await Requests.RequestTestKit.AddOnQuantity(app, "initech", "extra-seats");

        // A valid change beside the bad one is not made either: the form is all or nothing.
        var response = await client.Submit(form, new() { [QuantityName(page, "extra-seats")] = quantity, [QuantityName(page, "storage-pack")] = (storage + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), ["AddOnsForm.Reason"] = "Test" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var shown = await PageClient.Parse(response);
        var row = shown.QuerySelector("[data-testid=quantity-row][data-code=extra-seats]")!;
        Assert.Equal(message, row.ByTestId("quantity-error").Text());
        Assert.Equal("true", row.ByTestId("quantity").GetAttribute("aria-invalid"));
        Assert.Equal(quantity, row.ByTestId("quantity").GetAttribute("value")); // what was typed stays
        Assert.Equal(audit, await Count("select count(*) from AuditEntry", new { }));
        Assert.Equal(storage, await Requests.RequestTestKit.AddOnQuantity(app, "initech", "storage-pack"));
        Assert.Equal(seats, await Requests.RequestTestKit.AddOnQuantity(app, "initech", "extra-seats"));

        // The same form, corrected, then goes through: the token of a refused post is still good.
        var again = await client.Submit(shown.Form("[data-testid=addons-form]"), new() { [QuantityName(shown, "extra-seats")] = "2" });
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Equal(2, await Requests.RequestTestKit.AddOnQuantity(app, "initech", "extra-seats"));
    }

    [SkippableFact]
    public async Task AddOnForm_PostedTwice_OrTwiceAtOnce_ChangesTheSubscriptionOnce()
    {
        var client = await OperatorClient.SignIn(app);
        var (page, form) = await AddOnsForm(client, "hooli");
        var values = new Dictionary<string, string> { [QuantityName(page, "api-calls-pack")] = "4", ["AddOnsForm.Reason"] = "Launch" };
        var before = await AuditOf("hooli", SelfService.Audit.AuditKinds.AddOnAdded) + await AuditOf("hooli", SelfService.Audit.AuditKinds.AddOnChanged);

        var first = await client.Follow(await client.Submit(form, values));
        var second = await client.Follow(await client.Submit(form, values));

        Assert.StartsWith("Saved", first.ByTestId("flash").Text());
        Assert.Equal("This form was sent already; nothing more changed.", second.ByTestId("flash").Text());
        Assert.Equal(before + 1, await AuditOf("hooli", SelfService.Audit.AuditKinds.AddOnAdded) + await AuditOf("hooli", SelfService.Audit.AuditKinds.AddOnChanged));

        // Another operator moves it on; a late retry of the old form does not put it back.
        var late = form;
        (page, form) = await AddOnsForm(client, "hooli");
        await client.Follow(await client.Submit(form, new() { [QuantityName(page, "api-calls-pack")] = "6", ["AddOnsForm.Reason"] = "More" }));
        await client.Submit(late, values);
        Assert.Equal(6, await Requests.RequestTestKit.AddOnQuantity(app, "hooli", "api-calls-pack"));

        // Two posts of one form at the same instant: one change.
        (page, form) = await AddOnsForm(client, "hooli");
        var changes = await AuditOf("hooli", SelfService.Audit.AuditKinds.AddOnChanged);
        var concurrent = new Dictionary<string, string> { [QuantityName(page, "api-calls-pack")] = "9", ["AddOnsForm.Reason"] = "Race" };
        var both = await Task.WhenAll(client.Submit(form, concurrent), client.Submit(form, concurrent));
        Assert.All(both, r => Assert.Equal(HttpStatusCode.Redirect, r.StatusCode));
        Assert.Equal(changes + 1, await AuditOf("hooli", SelfService.Audit.AuditKinds.AddOnChanged));
        Assert.Equal(9, await Requests.RequestTestKit.AddOnQuantity(app, "hooli", "api-calls-pack"));
    }

    [SkippableFact]
    public async Task Status_SuspendResumeAndCancel_FromThePage_CancelAsksFirst_EachOnce_AsTheApiWould()
    {
        var client = await OperatorClient.SignIn(app);
        var page = await client.GetDocument("/vendor/customers/globex");
        Assert.Equal("active", page.ByTestId("status").Text());

        // A reason is needed.
        var noReason = await client.Submit(page.Form("[data-testid=status-form]"), new() { ["StatusForm.Status"] = "Suspended" });
        Assert.Equal(HttpStatusCode.OK, noReason.StatusCode);
        Assert.Contains("Give a reason", (await PageClient.Parse(noReason)).ErrorFor("StatusForm.Reason"));
        Assert.True((await app.Get<EntitlementService>().ForCustomerAsync("globex"))!.IsActive);

        var form = page.Form("[data-testid=status-form]");
        var suspend = new Dictionary<string, string> { ["StatusForm.Status"] = "Suspended", ["StatusForm.Reason"] = "Unpaid invoice" };
        var suspended = await client.Follow(await client.Submit(form, suspend));
        Assert.Equal("The subscription is now suspended.", suspended.ByTestId("flash").Text());
        Assert.Equal("suspended", suspended.ByTestId("status").Text());
        Assert.False((await app.Get<EntitlementService>().ForCustomerAsync("globex"))!.IsActive);
        var entry = (await Integration.ApiTestClient.Audit(app, "globex")).First(e => e.Kind == SelfService.Audit.AuditKinds.StatusChanged);
        Assert.Equal(("subscription status", "active", "suspended", "Unpaid invoice"), (entry.Subject, entry.OldValue, entry.NewValue, entry.Reason));
        // The API reads what the page did.
        var api = await Integration.ApiTestClient.Provisioner(app);
        Assert.Equal("suspended", (await Integration.ApiTestClient.JsonOf(await api.GetAsync("/api/v1/customers/globex"), HttpStatusCode.OK)).GetProperty("subscription").GetProperty("status").GetString());

        // The same form again: nothing more, said so.
        var again = await client.Follow(await client.Submit(form, suspend));
        Assert.Equal("This form was sent already; nothing more changed.", again.ByTestId("flash").Text());
        Assert.Equal(1, await AuditOf("globex", SelfService.Audit.AuditKinds.StatusChanged));

        // Cancelling asks first and changes nothing until confirmed.
        var cancelForm = suspended.Form("[data-testid=status-form]");
        var asked = await client.Submit(cancelForm, new() { ["StatusForm.Status"] = "Cancelled", ["StatusForm.Reason"] = "Customer left" });
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        var confirm = await PageClient.Parse(asked);
        Assert.Contains("Cancel Globex", confirm.ByTestId("confirm-cancel").Text());
        Assert.Equal(1, await AuditOf("globex", SelfService.Audit.AuditKinds.StatusChanged));
        var confirmForm = confirm.Form("[data-testid=confirm-cancel-form]");
        var cancelled = await client.Follow(await client.Submit(confirmForm, new()));
        Assert.Equal("The subscription is now cancelled.", cancelled.ByTestId("flash").Text());
        Assert.Equal("cancelled", cancelled.ByTestId("status").Text());
        await client.Submit(confirmForm, new()); // a double click on "Yes"
        Assert.Equal(2, await AuditOf("globex", SelfService.Audit.AuditKinds.StatusChanged));

        // Resumed: active again, as the API's PUT with status active would.
        var resumed = await client.Follow(await client.Submit(cancelled.Form("[data-testid=status-form]"), new() { ["StatusForm.Status"] = "Active", ["StatusForm.Reason"] = "Came back" }));
        Assert.Equal("active", resumed.ByTestId("status").Text());
        Assert.True((await app.Get<EntitlementService>().ForCustomerAsync("globex"))!.IsActive);
        Assert.Equal(3, await AuditOf("globex", SelfService.Audit.AuditKinds.StatusChanged));
    }

    [SkippableTheory]
    [InlineData("maybe")]
    [InlineData("Active, Cancelled")]
    [InlineData("2")]
    public async Task Status_NotOneTheFormOffers_IsRefusedBesideTheField(string status)
    {
        var client = await OperatorClient.SignIn(app);
        var page = await client.GetDocument("/vendor/customers/umbrella");
        var response = await client.Submit(page.Form("[data-testid=status-form]"), new() { ["StatusForm.Status"] = status, ["StatusForm.Reason"] = "x" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Choose active, suspended or cancelled.", (await PageClient.Parse(response)).ErrorFor("StatusForm.Status"));
        Assert.Equal(0, await AuditOf("umbrella", SelfService.Audit.AuditKinds.StatusChanged));
    }

    [SkippableFact]
    public async Task CustomerUsers_CannotSetQuantitiesOrStatus_EvenByPostingDirectly()
    {
        var owner = await PageClient.SignedInAs(app, SelfService.Demo.DemoUsers.UmbrellaOwner);
        var token = SelfService.Customers.SubscriptionAdmin.NewFormToken();
        Requests.RequestTestKit.AssertRefused(await owner.PostDirect("/vendor/customers/umbrella?handler=Status", "/customers/umbrella",
            new() { ["StatusForm.Status"] = "Cancelled", ["StatusForm.Reason"] = "x", ["StatusForm.FormToken"] = token, ["StatusForm.Confirmed"] = "true" }));
        Requests.RequestTestKit.AssertRefused(await owner.PostDirect("/vendor/customers/umbrella?handler=AddOns", "/customers/umbrella",
            new() { ["AddOnsForm.Quantities[1]"] = "3", ["AddOnsForm.Reason"] = "x", ["AddOnsForm.FormToken"] = token }));
        Assert.True((await app.Get<EntitlementService>().ForCustomerAsync("umbrella"))!.IsActive);
        Assert.Equal(0, await AuditOf("umbrella", SelfService.Audit.AuditKinds.StatusChanged));
    }
}

public sealed class SqliteSubscriptionControlsTests(SqliteApp app) : SubscriptionControlsTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlSubscriptionControlsTests(PostgreSqlApp app) : SubscriptionControlsTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerSubscriptionControlsTests(SqlServerApp app) : SubscriptionControlsTests(app), IClassFixture<SqlServerApp>;

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
