using AngleSharp.Dom;
using System.Net;
using AngleSharp.Html.Dom;
using Dapper;
using SelfService.Accounts;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Tests.Accounts;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Customers;

/// <summary>The team page of Owners and Admins (<c>/customers/{customer}/team</c>): inviting, roles, removing, leaving; what Members and staff see.</summary>
public sealed class TeamTests(MailApp mail) : TeamTestKit(mail), IClassFixture<MailApp>
{
    [Fact]
    public async Task OwnerInvites_TheInviteeAcceptsFromTheMail_IsSignedIn_AndAppearsOnTheTeam()
    {
        var owner = await PageClient.SignedInAs(App, DemoUsers.AcmeOwner);
        var pending = await Invite(owner, "acme", "Nina.New@Example.com", "Member");
        Assert.Contains("nina.new@example.com", Emails(pending, "invitations"));
        Assert.Contains("Expires", pending.ByTestId("invitations").Text());

        var message = await Mail.MailTo("nina.new@example.com");
        Assert.Equal("You are invited to Acme Corp on SelfService", message.Subject);
        Assert.Contains("Olga Owner (owner@acme.example) invited you to join Acme Corp as a Member", message.TextBody);
        var link = MailApp.LinkPath(message, "/account/invitation/");

        var invitee = PageClient.Anonymous(App);
        var form = await invitee.GetDocument(link);
        Assert.Contains("nina.new@example.com", form.ByTestId("invitation-summary").Text());
        var noName = await PageClient.Parse(await invitee.Submit(form.Form(), new() { ["Name"] = " ", ["Password"] = NewPassword }));
        Assert.Contains("Enter your name", noName.QuerySelector("#name-error")!.Text());
        var weak = await PageClient.Parse(await invitee.Submit(form.Form(), new() { ["Name"] = "Nina New", ["Password"] = "nina.new" }));
        Assert.Contains("at least 12", weak.QuerySelector("#password-error")!.Text());

        var accepted = await invitee.Submit(form.Form(), new() { ["Name"] = "Nina New", ["Password"] = NewPassword });
        Assert.Equal("/customers/acme", accepted.Headers.Location!.OriginalString);
        var team = await invitee.GetDocument("/customers/acme/team");
        var nina = team.QuerySelector("[data-testid=person][data-email='nina.new@example.com']")!;
        Assert.Equal("Member", nina.ByTestId("person-role").Text());
        Assert.DoesNotContain("nina.new@example.com", Emails(team, "invitations"));
        // A Member sees the team but gets no form to change it.
        Assert.Null(team.QuerySelector("[data-testid=invite-form]"));
        Assert.Empty(team.AllByTestId("remove"));
        // Only this customer: another's pages are not found.
        Assert.Equal(HttpStatusCode.NotFound, (await invitee.Get("/customers/initech/team")).StatusCode);

        // The link was single-use; the new person signs in with their password.
        Assert.Contains("already accepted", (await PageClient.Anonymous(App).GetDocument(link)).ByTestId("link-problem").Text());
        Assert.Equal(HttpStatusCode.Redirect, (await PageClient.Anonymous(App).SignIn("nina.new@example.com", NewPassword)).StatusCode);

        var activity = await owner.GetDocument("/customers/acme/audit");
        Assert.Contains(activity.AllByTestId("audit-entry"), e => e.GetAttribute("data-kind") == "invitation.sent" && e.Text().Contains("nina.new@example.com"));
        Assert.Contains(activity.AllByTestId("audit-entry"), e => e.GetAttribute("data-kind") == "invitation.accepted" && e.Text().Contains("nina.new@example.com"));
    }

    [Fact]
    public async Task Admin_InvitesAdminsAndMembers_NotOwners_AndCannotChangeAnOwner()
    {
        var admin = await PageClient.SignedInAs(App, DemoUsers.AcmeAdmin);
        var page = await admin.GetDocument("/customers/acme/team");
        Assert.Equal(["Admin", "Member"], page.QuerySelectorAll("#invite-role option").Select(o => o.TextContent));
        var asOwner = await Invite(admin, "acme", "would-be-owner@example.com", "Owner");
        Assert.Contains("Admins may invite Admins and Members", asOwner.ByTestId("invite-role-error").Text());

        var owner = page.QuerySelector("[data-testid=person][data-email='owner@acme.example']")!;
        Assert.Empty(owner.AllByTestId("change-role"));
        var ownerId = await UserId(DemoUsers.AcmeOwner);
        var forged = await admin.PostDirect("/customers/acme/team?handler=Role", "/customers/acme/team", new() { ["userId"] = $"{ownerId}", ["role"] = "Member" });
        var refused = await PageClient.Parse(forged);
        Assert.Contains("Admins may change Admins and Members", refused.ByTestId("row-error").Text());
        Assert.Equal(1, await Count("select count(*) from AppUser where Email = 'owner@acme.example' and Role = 'Owner'", new { }));

        var colleague = await Join(admin, "acme", "new-admin@example.com", "Admin");
        Assert.Equal(HttpStatusCode.OK, (await colleague.Get("/customers/acme")).StatusCode);
    }

    [Fact]
    public async Task Member_CannotChangeTheTeam_EvenWithAHandMadePost()
    {
        var member = await PageClient.SignedInAs(App, DemoUsers.AcmeMember);
        var refused = await PageClient.Parse(await member.PostDirect("/customers/acme/team?handler=Invite", "/customers/acme/team",
            new() { ["email"] = "sneaky@example.com", ["role"] = "Member" }));
        Assert.Contains("You may not invite people", refused.ByTestId("form-error").Text());
        Assert.Equal(0, await Count("select count(*) from Invitation where Email = 'sneaky@example.com'", new { }));
    }

    [Fact]
    public async Task ChangingARole_OrRemovingAPerson_EndsTheirOpenSessionAtTheNextRequest()
    {
        var owner = await PageClient.SignedInAs(App, DemoUsers.AcmeOwner);
        var person = await Join(owner, "acme", "rotating@example.com", "Member", "Rita Rotating");
        var id = await UserId("rotating@example.com");

        var page = await owner.GetDocument("/customers/acme/team");
        var roleForm = page.QuerySelector("[data-testid=person][data-email='rotating@example.com']")!.QuerySelector<IHtmlFormElement>("form")!;
        var changed = await owner.Submit(roleForm, new() { ["role"] = "Admin" });
        Assert.Contains("Rita Rotating is now Admin", (await owner.GetDocument(changed.Headers.Location!.OriginalString)).ByTestId("flash").Text());
        Assert.Equal(HttpStatusCode.Redirect, (await person.Get("/customers/acme")).StatusCode);
        var asAdmin = await PageClient.SignedInAs(App, "rotating@example.com", NewPassword);
        Assert.NotNull((await asAdmin.GetDocument("/customers/acme/team")).QuerySelector("[data-testid=invite-form]"));

        page = await owner.GetDocument("/customers/acme/team");
        var removeForm = page.QuerySelector("[data-testid=person][data-email='rotating@example.com']")!.QuerySelectorAll<IHtmlFormElement>("form").Last();
        var removed = await owner.Submit(removeForm, new());
        Assert.Contains("was removed", (await owner.GetDocument(removed.Headers.Location!.OriginalString)).ByTestId("flash").Text());
        Assert.Equal(HttpStatusCode.Redirect, (await asAdmin.Get("/customers/acme")).StatusCode);
        Assert.NotEqual(HttpStatusCode.Redirect, (await PageClient.Anonymous(App).SignIn("rotating@example.com", NewPassword)).StatusCode);
        Assert.Equal(1, await Count("select count(*) from AuditEntry where Kind = 'person.removed' and Subject = 'person rotating@example.com'", new { }));

        // Invited again, the same person joins again (the same row, a new name and password).
        var back = await Join(owner, "acme", "rotating@example.com", "Member", "Rita Returned");
        Assert.Equal(id, await UserId("rotating@example.com"));
        Assert.Equal(HttpStatusCode.OK, (await back.Get("/customers/acme")).StatusCode);
    }

    [Fact]
    public async Task TheLastOwner_CanNeitherBeRemovedNorLeave_TwoOwnersRemovingEachOtherAtOnce_LeaveOne()
    {
        var peter = await PageClient.SignedInAs(App, DemoUsers.InitechOwner);
        var second = await Join(peter, "initech", "second-owner@initech.example", "Owner", "Samir Second");
        var team = App.Get<Team>();
        long initech;
        await using (var c = await App.Get<Db>().OpenAsync()) initech = await c.ExecuteScalarAsync<long>("select Id from Customer where ExternalKey = 'initech'");
        var peterId = await UserId(DemoUsers.InitechOwner);
        var samirId = await UserId("second-owner@initech.example");

        var results = await Task.WhenAll(
            team.RemoveAsync(initech, new TeamActor(DemoUsers.InitechOwner, peterId), samirId),
            team.RemoveAsync(initech, new TeamActor("second-owner@initech.example", samirId), peterId));
        Assert.Single(results, r => r is null);
        Assert.Equal(1, await Count("select count(*) from AppUser where CustomerId = @initech and RemovedAt is null and Role = 'Owner'", new { initech }));

        var remaining = results[0] is null ? peter : second;
        var page = await remaining.GetDocument("/customers/initech/team");
        var left = await PageClient.Parse(await remaining.Submit(page.Form("form[action*=Leave]"), new()));
        Assert.Contains("last Owner", left.ByTestId("leave-error").Text());
        Assert.Equal(HttpStatusCode.OK, (await remaining.Get("/customers/initech")).StatusCode);
    }

    [Fact]
    public async Task APerson_CanLeave_AndIsSignedOutEverywhere()
    {
        var owner = await PageClient.SignedInAs(App, DemoUsers.AcmeOwner);
        var leaver = await Join(owner, "acme", "leaver@example.com", "Member");
        var elsewhere = await PageClient.SignedInAs(App, "leaver@example.com", NewPassword);
        var page = await leaver.GetDocument("/customers/acme/team");
        var response = await leaver.Submit(page.Form("form[action*=Leave]"), new());
        Assert.Equal("/account/sign-in?notice=left", response.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await elsewhere.Get("/customers/acme")).StatusCode);
        Assert.DoesNotContain("leaver@example.com", Emails(await owner.GetDocument("/customers/acme/team"), "people"));
    }

    [Theory]
    [InlineData("", "Member", "invite-email-error", "Enter the email address")]
    [InlineData("not-an-address", "Member", "invite-email-error", "like name@example.com")]
    [InlineData("ok@example.com", "Boss", "invite-role-error", "Choose Owner, Admin or Member")]
    [InlineData(DemoUsers.AcmeMember, "Member", "invite-email-error", "already a member of Acme Corp")]
    [InlineData(DemoUsers.HooliOwner, "Member", "invite-email-error", "already belongs to another account")]
    [InlineData(DemoUsers.Operator, "Admin", "invite-email-error", "already belongs to another account")]
    public async Task BadInvitations_AreFieldErrors_AndSendNothing(string email, string role, string field, string message)
    {
        var owner = await PageClient.SignedInAs(App, DemoUsers.AcmeOwner);
        var page = await Invite(owner, "acme", email, role);
        Assert.Contains(message, page.ByTestId(field).Text());
        Assert.Equal(email, page.QuerySelector<IHtmlInputElement>("#invite-email")!.Value);
        Assert.Equal(0, await Count("select count(*) from Invitation where Email = @email", new { email }));
    }

    [Fact]
    public async Task Staff_SeeTheTeam_WithoutForms()
    {
        var op = await PageClient.SignedInAs(App, DemoUsers.Operator);
        var page = await op.GetDocument("/customers/acme/team");
        Assert.Contains(DemoUsers.AcmeOwner, Emails(page, "people"));
        Assert.Null(page.QuerySelector("[data-testid=invite-form]"));
        Assert.Null(page.QuerySelector("[data-testid=leave]"));
    }
}
