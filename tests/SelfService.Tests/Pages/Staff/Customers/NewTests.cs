using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Staff.Customers;

/// <summary>An Operator creates a customer and invites its first Owner (<c>/vendor/customers/new</c>).</summary>
public sealed class NewTests(MailApp mail) : IClassFixture<MailApp>
{
    private AppFactory App => mail.App;

    private static async Task<HttpResponseMessage> Create(PageClient op, Dictionary<string, string> values)
    {
        var page = await op.GetDocument("/vendor/customers/new");
        return await op.Submit(page.Form("form[data-testid=new-customer]"), values);
    }

    [Fact]
    public async Task Operator_CreatesACustomer_ItsOwnerIsInvited_AndGetsIn()
    {
        var op = await PageClient.SignedInAs(App, DemoUsers.Operator);
        Assert.Equal("/vendor/customers/new", (await op.GetDocument("/vendor/customers")).ByTestId("new-customer-link").GetAttribute("href"));
        var created = await Create(op, new()
        {
            ["Input.Key"] = "oscorp", ["Input.Name"] = "Oscorp", ["Input.Plan"] = "business", ["Input.BillingAnchorDay"] = "5",
            ["Input.OwnerEmail"] = "norman@oscorp.example", ["Input.OwnerName"] = "Norman Osborn",
        });
        Assert.Equal("/vendor/customers/oscorp/people", created.Headers.Location!.OriginalString);
        var people = await op.GetDocument("/vendor/customers/oscorp/people");
        Assert.Contains("an invitation went to norman@oscorp.example", people.ByTestId("flash").Text());
        Assert.NotNull(people.QuerySelector("[data-testid=invitation][data-email='norman@oscorp.example']"));
        Assert.NotNull(people.QuerySelector("[data-testid=no-owner]"));
        var subscription = await op.GetDocument("/vendor/customers/oscorp");
        Assert.Equal("Business", subscription.ByTestId("plan-name").Text());

        var link = MailApp.LinkPath(await mail.MailTo("norman@oscorp.example"), "/account/invitation/");
        var owner = PageClient.Anonymous(App);
        var form = await owner.GetDocument(link);
        Assert.Equal("Norman Osborn", form.QuerySelector<IHtmlInputElement>("input[name=Name]")!.Value);
        var accepted = await owner.Submit(form.Form(), new() { ["Password"] = "green goblin glider" });
        Assert.Equal("/customers/oscorp", accepted.Headers.Location!.OriginalString);
        Assert.Null((await op.GetDocument("/vendor/customers/oscorp/people")).QuerySelector("[data-testid=no-owner]"));
    }

    [Fact]
    public async Task NewCustomer_BadInput_IsShownBesideEachField_AndCreatesNothing()
    {
        var op = await PageClient.SignedInAs(App, DemoUsers.Operator);
        var page = await PageClient.Parse(await Create(op, new()
        {
            ["Input.Key"] = "-bad key", ["Input.Name"] = "", ["Input.Plan"] = "nope", ["Input.BillingAnchorDay"] = "32", ["Input.OwnerEmail"] = "x",
        }));
        foreach (var id in new[] { "key-error", "name-error", "plan-error", "anchor-error", "owner-email-error" })
            Assert.False(string.IsNullOrWhiteSpace(page.QuerySelector($"#{id}")!.TextContent), id);

        var taken = await PageClient.Parse(await Create(op, new()
        {
            ["Input.Key"] = "acme", ["Input.Name"] = "Acme again", ["Input.Plan"] = "starter", ["Input.BillingAnchorDay"] = "1", ["Input.OwnerEmail"] = "someone@acme2.example",
        }));
        Assert.Contains("already exists", taken.QuerySelector("#key-error")!.TextContent);
        var userElsewhere = await PageClient.Parse(await Create(op, new()
        {
            ["Input.Key"] = "acme2", ["Input.Name"] = "Acme 2", ["Input.Plan"] = "starter", ["Input.BillingAnchorDay"] = "1", ["Input.OwnerEmail"] = DemoUsers.AcmeOwner,
        }));
        Assert.Contains("already belongs to a user", userElsewhere.QuerySelector("#owner-email-error")!.TextContent);
        Assert.Equal(HttpStatusCode.NotFound, (await op.Get("/vendor/customers/acme2/people")).StatusCode);
    }

}
