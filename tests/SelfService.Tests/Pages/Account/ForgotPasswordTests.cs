using System.Net;
using Dapper;
using SelfService.Accounts;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Account;

/// <summary>
/// The forgotten-password page (<c>/account/forgot-password</c>) and the reset link it mails, read from a real SMTP server
/// and followed.
/// </summary>
public sealed class ForgotPasswordTests(MailApp mail) : IClassFixture<MailApp>
{
    private AppFactory App => mail.App;

    internal static async Task<HttpResponseMessage> AskForReset(PageClient client, string email)
    {
        var page = await client.GetDocument("/account/forgot-password");
        return await client.Submit(page.Form(), new() { ["Email"] = email });
    }

    [Fact]
    public async Task SignInPage_LinksToForgotPassword()
    {
        var page = await PageClient.Anonymous(App).GetDocument("/account/sign-in");
        Assert.Equal("/account/forgot-password", page.ByTestId("forgot-password").GetAttribute("href"));
    }

    [Fact]
    public async Task ForgotPassword_MailsASingleUseLink_ThatSetsANewPassword_AndEndsEverySession()
    {
        const string email = DemoUsers.GlobexOwner;
        var openElsewhere = await PageClient.SessionCookie(App, email);
        var client = PageClient.Anonymous(App);

        var known = await PageClient.Parse(await AskForReset(client, email));
        var unknown = await PageClient.Parse(await AskForReset(client, "nobody@globex.example"));
        // The same answer whether or not the address has an account.
        Assert.Equal(known.ByTestId("reset-sent").Text().Replace(email, "X"), unknown.ByTestId("reset-sent").Text().Replace("nobody@globex.example", "X"));

        var message = await mail.MailTo(email);
        Assert.Empty(mail.Smtp.To("nobody@globex.example"));
        Assert.Equal("Reset your SelfService password", message.Subject);
        var link = MailApp.LinkPath(message, "/account/reset-password/");

        var form = await client.GetDocument(link);
        Assert.Equal(email, form.ByTestId("reset-email").Text());
        var weak = await PageClient.Parse(await client.Submit(form.Form(), new() { ["NewPassword"] = "short" }));
        Assert.Contains("at least 12 characters", weak.QuerySelector("#new-password-error")!.Text());
        var common = await PageClient.Parse(await client.Submit(form.Form(), new() { ["NewPassword"] = "qwertyuiop123" }));
        Assert.Contains("most common passwords", common.QuerySelector("#new-password-error")!.Text());

        var done = await client.Submit(form.Form(), new() { ["NewPassword"] = "lantern harbour violet 42" });
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal("/account/sign-in?notice=password-reset", done.Headers.Location!.OriginalString);
        Assert.Contains("signed out", (await client.GetDocument("/account/sign-in?notice=password-reset")).ByTestId("notice").Text());

        // The session open before the reset is over; the old password no longer works, the new one does.
        Assert.Equal(HttpStatusCode.Redirect, (await PageClient.Replaying(App, openElsewhere).GetAsync("/customers/globex")).StatusCode);
        Assert.NotEqual(HttpStatusCode.Redirect, (await PageClient.Anonymous(App).SignIn(email)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PageClient.Anonymous(App).SignIn(email, "lantern harbour violet 42")).StatusCode);

        // Single use: the link now says so and offers a new one; posting it again changes nothing.
        var again = await client.GetDocument(link);
        Assert.Contains("already used", again.ByTestId("link-problem").Text());
        Assert.Equal("/account/forgot-password", again.ByTestId("ask-again").GetAttribute("href"));
        var replay = await client.PostDirect(link, "/account/forgot-password", new() { ["NewPassword"] = "another fine password 7" });
        Assert.Contains("already used", (await PageClient.Parse(replay)).ByTestId("link-problem").Text());
        Assert.Equal(HttpStatusCode.Redirect, (await PageClient.Anonymous(App).SignIn(email, "lantern harbour violet 42")).StatusCode);

        // The owner is told by mail that the password changed.
        var notice = await mail.MailTo(email, 2);
        Assert.Equal("Your SelfService password was changed", notice.Subject);
    }

    [Fact]
    public async Task ForgotPassword_SendsAtMostThreeLinksAnHourToOneAccount_AndAnswersTheSameEveryTime()
    {
        const string email = DemoUsers.HooliOwner;
        var before = mail.Smtp.To(email).Count;
        for (var i = 0; i < 5; i++)
        {
            // Each from another client: the per-account cap holds whoever asks.
            var page = await PageClient.Parse(await AskForReset(PageClient.Anonymous(App), email));
            Assert.Contains("we sent it a link", page.ByTestId("reset-sent").Text());
        }
        await mail.MailTo(email, before + Passwords.ResetMailsPerHour);
        await Task.Delay(300);
        Assert.Equal(before + Passwords.ResetMailsPerHour, mail.Smtp.To(email).Count);
        await using var c = await App.Get<Db>().OpenAsync();
        Assert.Equal(Passwords.ResetMailsPerHour, await c.ExecuteScalarAsync<int>(
            "select count(*) from PasswordReset r join AppUser u on u.Id = r.UserId where u.Email = @email", new { email }));
    }

    [Fact]
    public async Task ForgotPassword_BadAddress_IsAFieldError()
    {
        var client = PageClient.Anonymous(App);
        var page = await PageClient.Parse(await AskForReset(client, "not an address"));
        Assert.Contains("like name@example.com", page.QuerySelector("#email-error")!.Text());
    }

}
