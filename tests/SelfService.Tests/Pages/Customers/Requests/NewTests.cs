using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;
using static SelfService.Tests.Requests.RequestTestKit;

namespace SelfService.Tests.Pages.Customers.Requests;

/// <summary>The new-request form: links from upgrade prompts fill it in, bad input is pointed out beside its field and stores nothing.</summary>
public abstract class NewTests(AppFactory app)
{
    [SkippableFact]
    public async Task Get_AddOnLink_FillsTheFormIn_AndShowsWhatChanges()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.AcmeMember);
        var page = await client.GetDocument("/customers/acme/requests/new?kind=addon&code=extra-seats&quantity=2");

        Assert.Equal("extra-seats", page.QuerySelector<IHtmlSelectElement>("select[name=AddOnCode]")!.Value);
        Assert.Equal("2", page.QuerySelector<IHtmlInputElement>("input[name=Quantity]")!.Value);
        Assert.Contains("40 members → 60 members", page.ByTestId("impact").Text());
        Assert.NotNull(page.QuerySelector("[data-testid=member-note]"));
    }

    /// <summary>The form's Preview button (what works without script): everything typed comes back, with the preview for it; nothing is sent.</summary>
    [SkippableFact]
    public async Task Post_PreviewButton_KeepsWhatWasTyped_ShowsWhatChangesAndItsPrice_AndSendsNothing()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.AcmeOwner);
        var before = await RequestCount(app);

        var response = await client.PostDirect("/customers/acme/requests/new?handler=Preview", "/customers/acme/requests/new?kind=addon", new()
        {
            ["Kind"] = "addon", ["AddOnCode"] = "extra-seats", ["Quantity"] = "2", ["Justification"] = "Twenty engineers start in December.",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await PageClient.Parse(response);
        Assert.Equal("Twenty engineers start in December.", page.QuerySelector<IHtmlTextAreaElement>("textarea[name=Justification]")!.Value);
        Assert.Equal("2", page.QuerySelector<IHtmlInputElement>("input[name=Quantity]")!.Value);
        Assert.Contains("40 members → 60 members", page.ByTestId("impact").Text());
        Assert.Equal("Extra Seats × 2: +$40 / month", page.ByTestId("price").Text());
        Assert.DoesNotContain(page.AllByTestId("error-Justification"), e => e.Text().Length > 0);
        Assert.Equal(before, await RequestCount(app));
    }

    /// <summary>The preview the script fetches as the quantity is typed is the one the approver then sees for the request.</summary>
    [SkippableFact]
    public async Task GetPreview_FollowsTheQuantity_AsTheApproverWillSeeIt()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.AcmeOwner);
        foreach (var (quantity, after, price) in new[] { (1, "50 members", "+$20"), (2, "60 members", "+$40"), (3, "70 members", "+$60") })
        {
            var fragment = await client.GetDocument($"/customers/acme/requests/new?handler=Preview&kind=addon&code=extra-seats&quantity={quantity}");
            Assert.Contains($"40 members → {after}", fragment.ByTestId("impact").Text());
            Assert.Contains(price, fragment.ByTestId("price").Text());
            Assert.Empty(fragment.QuerySelectorAll("form, header")); // the preview alone, not the page
        }
        var empty = await client.GetDocument("/customers/acme/requests/new?handler=Preview&kind=addon&code=extra-seats");
        Assert.Empty(empty.AllByTestId("impact"));

        var request = await Ask(app, DemoUsers.AcmeOwner, new SelfService.Requests.RequestDraft { Kind = SelfService.Requests.RequestKind.AddOn, AddOnCode = "extra-seats", Quantity = 3 });
        var approver = await PageClient.SignedInAs(app, DemoUsers.Approver);
        var detail = await approver.GetDocument($"/vendor/approvals/{request.Id}");
        var row = detail.QuerySelector("[data-testid=impact-row][data-handle=max-members]")!;
        Assert.Equal(("40 members", "70 members"), (row.ByTestId("impact-before").Text(), row.ByTestId("impact-after").Text()));
    }

    [SkippableFact]
    public async Task Get_PlanLink_ShowsTheDowngradePreview_AndAsksToConfirm()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.AcmeOwner);
        var upgrade = await client.GetDocument("/customers/acme/requests/new?kind=plan&code=enterprise");
        Assert.Equal("enterprise", upgrade.QuerySelector<IHtmlSelectElement>("select[name=PlanCode]")!.Value);
        Assert.Null(upgrade.QuerySelector("input[name=ConfirmDowngrade]"));

        var downgrade = await client.GetDocument("/customers/acme/requests/new?kind=plan&code=starter");
        var calls = downgrade.QuerySelector("[data-testid=preview-row][data-handle=api-calls]")!;
        Assert.Contains("over the new limit", calls.Text());
        var before = await RequestCount(app);

        var response = await client.Submit(downgrade.Form("form[data-testid=request-form]"), new() { ["Justification"] = "Saving money" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var again = await PageClient.Parse(response);
        Assert.Contains("read the preview and confirm", again.ByTestId("error-ConfirmDowngrade").Text());
        Assert.Equal(before, await RequestCount(app));
    }

    [SkippableTheory]
    [InlineData("maybe")]
    [InlineData("yes\u0000")]
    public async Task Post_DowngradeConfirmationTamperedToAValueTheCheckboxNeverSends_Is400_AndStoresNothing(string value)
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.AcmeOwner);
        var downgrade = await client.GetDocument("/customers/acme/requests/new?kind=plan&code=starter");
        var before = await RequestCount(app);

        var response = await client.Submit(downgrade.Form("form[data-testid=request-form]"), new() { ["Justification"] = "Saving money", ["ConfirmDowngrade"] = value });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("could not be understood", (await PageClient.Parse(response)).QuerySelector("main")!.TextContent);
        Assert.Equal(before, await RequestCount(app));
    }

    [SkippableFact]
    public async Task Get_AccessLink_FillsFeatureAndDays()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.UmbrellaOwner);
        var page = await client.GetDocument("/customers/umbrella/requests/new?kind=access&feature=4k-streaming&days=7");
        Assert.Equal("4k-streaming", page.QuerySelector<IHtmlSelectElement>("select[name=FeatureHandle]")!.Value);
        Assert.Equal("7", page.QuerySelector<IHtmlInputElement>("input[name=DurationDays]")!.Value);
    }

    [SkippableTheory]
    [InlineData("addon&code=extra-seats", "Quantity", "10", "you can add up to 9")]
    [InlineData("addon&code=extra-seats", "Quantity", "0", "at least 1")]
    [InlineData("addon&code=extra-seats", "Quantity", "-3", "at least 1")]
    [InlineData("addon&code=extra-seats", "AddOnCode", "gold-bars", "There is no add-on")]
    [InlineData("plan&code=enterprise", "PlanCode", "platinum", "There is no plan")]
    [InlineData("access&feature=sso", "DurationDays", "0", "at least 1 day")]
    [InlineData("access&feature=sso", "DurationDays", "91", "at most 90 days")]
    [InlineData("access&feature=sso", "FeatureHandle", "time-travel", "There is no feature")]
    [InlineData("access&feature=max-members", "Amount", "", "at least 1")]
    [InlineData("addon&code=extra-seats", "Justification", "", "Say why")]
    public async Task Post_BadInput_ShowsTheErrorBesideTheField_AndNothingChanges(string query, string field, string value, string message)
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.AcmeAdmin);
        var page = await client.GetDocument($"/customers/acme/requests/new?kind={query}");
        var requests = await RequestCount(app);
        var seats = await AddOnQuantity(app, "acme", "extra-seats");
        var audit = await Scalar<long>(app, "select count(*) from AuditEntry");

        var values = new Dictionary<string, string> { ["Justification"] = "Our team is growing.", [field] = value };
        var response = await client.Submit(page.Form("form[data-testid=request-form]"), values);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await PageClient.Parse(response);
        Assert.Contains(message, result.ByTestId("error-" + field).Text());
        Assert.Equal(requests, await RequestCount(app));
        Assert.Equal(seats, await AddOnQuantity(app, "acme", "extra-seats"));
        Assert.Equal(audit, await Scalar<long>(app, "select count(*) from AuditEntry"));
        // What was typed is still there.
        if (field != "Justification") Assert.Equal("Our team is growing.", result.QuerySelector<IHtmlTextAreaElement>("textarea[name=Justification]")!.Value);
    }

    [SkippableFact]
    public async Task Post_Valid_SendsTheRequest_AndShowsItWaitingForTheVendor()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.GlobexOwner);
        var page = await client.GetDocument("/customers/globex/requests/new?kind=plan&code=enterprise");

        var response = await client.Submit(page.Form("form[data-testid=request-form]"), new() { ["Justification"] = "We need SSO." });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var detail = await client.GetDocument(response.Headers.Location!.OriginalString);
        Assert.Equal("Plan change to Enterprise", detail.ByTestId("request-title").Text());
        Assert.Equal("Waiting for the vendor", detail.ByTestId("request-state").Text());
        var list = await client.GetDocument("/customers/globex/requests");
        Assert.Contains("Plan change to Enterprise", list.ByTestId("requests").Text());
    }
}

public sealed class SqliteNewTests(SqliteApp app) : NewTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlNewTests(PostgreSqlApp app) : NewTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerNewTests(SqlServerApp app) : NewTests(app), IClassFixture<SqlServerApp>;
