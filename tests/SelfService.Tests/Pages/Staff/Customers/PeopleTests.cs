using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Staff.Customers;

/// <summary>A customer's people and invitations for Operators (<c>/vendor/customers/{customer}/people</c>): seen, resent, sent.</summary>
public sealed class PeopleTests(MailApp mail) : IClassFixture<MailApp>
{
    private AppFactory App => mail.App;

    [Fact]
    public async Task Operator_SeesAndResendsACustomersInvitations()
    {
        var owner = await PageClient.SignedInAs(App, DemoUsers.HooliOwner);
        var team = await owner.GetDocument("/customers/hooli/team");
        await owner.Submit(team.Form("form[data-testid=invite-form]"), new() { ["email"] = "richard@hooli.example", ["role"] = "Admin" });
        var first = MailApp.LinkPath(await mail.MailTo("richard@hooli.example"), "/account/invitation/");

        var op = await PageClient.SignedInAs(App, DemoUsers.Operator);
        var page = await op.GetDocument("/vendor/customers/hooli/people");
        var row = page.QuerySelector("[data-testid=invitation][data-email='richard@hooli.example']")!;
        Assert.Contains(DemoUsers.HooliOwner, row.Text());
        var resent = await op.Submit(row.QuerySelector<IHtmlFormElement>("form[action*=Resend]")!, new());
        Assert.Contains("sent again", (await op.GetDocument(resent.Headers.Location!.OriginalString)).ByTestId("flash").Text());

        var second = MailApp.LinkPath(await mail.MailTo("richard@hooli.example", 2), "/account/invitation/");
        Assert.NotEqual(first, second);
        Assert.NotNull((await PageClient.Anonymous(App).GetDocument(second)).QuerySelector("input[name=Password]"));
        Assert.Null((await PageClient.Anonymous(App).GetDocument(first)).QuerySelector("input[name=Password]"));

        // Invite from the staff page too; bad input stays beside its field.
        var bad = await PageClient.Parse(await op.Submit(page.Form("form[data-testid=invite-form]"), new() { ["email"] = "", ["role"] = "Owner" }));
        Assert.Contains("Enter the email address", bad.ByTestId("invite-email-error").Text());
    }
}
