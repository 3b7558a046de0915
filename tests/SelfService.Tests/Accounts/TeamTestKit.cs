using AngleSharp.Dom;
using System.Net;
using AngleSharp.Html.Dom;
using Dapper;
using SelfService.Accounts;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Accounts;

/// <summary>
/// Inviting through the team page's real form and accepting from the mail the real SMTP server received: what the team
/// page's and the invitation page's tests share. Tests share one app: each works on people it invites itself, or on a
/// customer no other test changes.
/// </summary>
public abstract class TeamTestKit(MailApp mail)
{
    protected const string NewPassword = "orchard lamp river stone";
    protected MailApp Mail => mail;

    protected AppFactory App => mail.App;

    protected static async Task<IHtmlDocument> Invite(PageClient inviter, string customer, string email, string role)
    {
        var page = await inviter.GetDocument($"/customers/{customer}/team");
        var response = await inviter.Submit(page.Form("form[data-testid=invite-form]"), new() { ["email"] = email, ["role"] = role });
        if (response.StatusCode == HttpStatusCode.Redirect) return await inviter.GetDocument(response.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await PageClient.Parse(response);
    }

    protected async Task<string> InvitationLink(string email, int count = 1) => MailApp.LinkPath(await mail.MailTo(email, count), "/account/invitation/");

    /// <summary>Invites, reads the mail, accepts: the invitee's signed-in client.</summary>
    protected async Task<PageClient> Join(PageClient inviter, string customer, string email, string role, string name = "New Person")
    {
        var before = mail.Smtp.To(email).Count;
        var after = await Invite(inviter, customer, email, role);
        Assert.Contains($"Invitation sent to {email}", after.ByTestId("flash").Text());
        var link = await InvitationLink(email, before + 1);
        var invitee = PageClient.Anonymous(App);
        var form = await invitee.GetDocument(link);
        Assert.True(form.QuerySelector("main form[method=post]") is not null, form.QuerySelector("main")?.TextContent);
        var accepted = await invitee.Submit(form.Form(), new() { ["Name"] = name, ["Password"] = NewPassword });
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        Assert.Equal($"/customers/{customer}", accepted.Headers.Location!.OriginalString);
        return invitee;
    }

    protected static IEnumerable<string> Emails(IHtmlDocument page, string table) =>
        page.QuerySelectorAll($"[data-testid={table}] tbody tr").Select(r => r.GetAttribute("data-email")!);

    protected async Task<long> UserId(string email)
    {
        await using var c = await App.Get<Db>().OpenAsync();
        return await c.ExecuteScalarAsync<long>("select Id from AppUser where Email = @email", new { email });
    }

    protected async Task<int> Count(string sql, object args)
    {
        await using var c = await App.Get<Db>().OpenAsync();
        return await c.ExecuteScalarAsync<int>(sql, args);
    }
}
