using AngleSharp.Dom;
using System.Net;
using AngleSharp.Html.Dom;
using Dapper;
using SelfService.Accounts;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Tests.Accounts;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Account;

/// <summary>The invitation page (<c>/account/invitation/{token}</c>): accepting once, links that expired, were replaced or revoked, asking for a new one.</summary>
public sealed class InvitationTests(MailApp mail) : TeamTestKit(mail), IClassFixture<MailApp>
{
    [Fact]
    public async Task InvitingTwice_SendsOneMail_AndAcceptingTwice_MakesOnePerson()
    {
        var owner = await PageClient.SignedInAs(App, DemoUsers.AcmeOwner);
        var page = await owner.GetDocument("/customers/acme/team");
        var form = page.Form("form[data-testid=invite-form]");
        var first = await owner.Submit(form, new() { ["email"] = "double@example.com", ["role"] = "Member" });
        var second = await PageClient.Parse(await owner.Submit(form, new() { ["email"] = "double@example.com", ["role"] = "Member" }));
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Contains("already has a pending invitation", second.ByTestId("invite-email-error").Text());

        var link = await InvitationLink("double@example.com");
        await Task.Delay(300);
        Assert.Single(Mail.Smtp.To("double@example.com"));

        var invitee = PageClient.Anonymous(App);
        var accept = (await invitee.GetDocument(link)).Form();
        var results = await Task.WhenAll(
            invitee.Submit(accept, new() { ["Name"] = "Dee Double", ["Password"] = NewPassword }),
            invitee.Submit(accept, new() { ["Name"] = "Dee Double", ["Password"] = NewPassword }));
        // Both answers lead into the account (the second acceptance is the same one), and there is one person.
        Assert.All(results, r => Assert.Equal("/customers/acme", r.Headers.Location?.OriginalString));
        Assert.Equal(1, await Count("select count(*) from AppUser where Email = 'double@example.com'", new { }));
        Assert.Equal(1, await Count("select count(*) from AuditEntry where Kind = 'invitation.accepted' and Actor = 'double@example.com'", new { }));
    }

    [Fact]
    public async Task ExpiredResentAndRevokedLinks_SaySo_AndOfferToAskForANewOne()
    {
        var owner = await PageClient.SignedInAs(App, DemoUsers.GlobexOwner);
        await Invite(owner, "globex", "late@example.com", "Admin");
        var first = await InvitationLink("late@example.com");

        // Resent: a new link; the first one is replaced.
        var page = await owner.GetDocument("/customers/globex/team");
        var row = page.QuerySelector("[data-testid=invitation][data-email='late@example.com']")!;
        await owner.Submit(row.QuerySelector<IHtmlFormElement>("form[action*=Resend]")!, new());
        var second = await InvitationLink("late@example.com", 2);
        Assert.NotEqual(first, second);
        Assert.Contains("revoked or replaced", (await PageClient.Anonymous(App).GetDocument(first)).ByTestId("link-problem").Text());

        // Asking for a new one from a dead link tells the customer's Owners and Admins, once.
        var invitee = PageClient.Anonymous(App);
        var dead = await invitee.GetDocument(first);
        var asked = await PageClient.Parse(await invitee.Submit(dead.Form(), new()));
        Assert.Contains("We asked", asked.ByTestId("asked-again").Text());
        await invitee.Submit(dead.Form(), new());
        var request = await Mail.MailTo(DemoUsers.GlobexOwner);
        Assert.Equal("late@example.com asks for a new invitation to Globex", request.Subject);
        Assert.Contains("/customers/globex/team", request.TextBody);
        await Task.Delay(300);
        Assert.Single(Mail.Smtp.To(DemoUsers.GlobexOwner), m => m.Subject?.Contains("asks for a new invitation") == true);

        // Revoked: the current link stops working and the invitation leaves the list.
        page = await owner.GetDocument("/customers/globex/team");
        row = page.QuerySelector("[data-testid=invitation][data-email='late@example.com']")!;
        await owner.Submit(row.QuerySelector<IHtmlFormElement>("form[action*=Revoke]")!, new());
        Assert.Contains("revoked", (await PageClient.Anonymous(App).GetDocument(second)).ByTestId("link-problem").Text());
        Assert.DoesNotContain("late@example.com", Emails(await owner.GetDocument("/customers/globex/team"), "invitations"));
    }

    [Fact]
    public async Task AnInvitation_ExpiresAfterSevenDays()
    {
        var owner = await PageClient.SignedInAs(App, DemoUsers.UmbrellaOwner);
        await Invite(owner, "umbrella", "slow@example.com", "Member");
        var link = await InvitationLink("slow@example.com");
        // The clock only moves forward; later tests sign in anew and take their own links.
        App.Clock.Advance(Team.InvitationValidFor + TimeSpan.FromMinutes(1));
        var page = await PageClient.Anonymous(App).GetDocument(link);
        Assert.Contains("has expired", page.ByTestId("link-problem").Text());
        Assert.NotNull(page.QuerySelector("[data-testid=ask-again]"));
        var owner2 = await PageClient.SignedInAs(App, DemoUsers.UmbrellaOwner);
        Assert.Contains("Expired", (await owner2.GetDocument("/customers/umbrella/team")).QuerySelector("[data-testid=invitation][data-email='slow@example.com']")!.Text());
    }
}
