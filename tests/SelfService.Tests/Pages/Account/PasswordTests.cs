using System.Net;
using Dapper;
using SelfService.Accounts;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Account;

/// <summary>The change-password page (<c>/account/password</c>) of a signed-in person.</summary>
public sealed class PasswordTests(MailApp mail) : IClassFixture<MailApp>
{
    private AppFactory App => mail.App;

    [Fact]
    public async Task ChangePassword_NeedsTheCurrentOne_EndsOtherSessions_KeepsThisOne()
    {
        const string email = DemoUsers.AcmeAdmin;
        var other = await PageClient.SessionCookie(App, email);
        var client = await PageClient.SignedInAs(App, email);

        var form = await client.GetDocument("/account/password");
        var wrong = await PageClient.Parse(await client.Submit(form.Form(), new() { ["CurrentPassword"] = "not my password", ["NewPassword"] = "a long enough passphrase" }));
        Assert.Contains("not your current password", wrong.QuerySelector("#current-password-error")!.Text());
        var asEmail = await PageClient.Parse(await client.Submit(form.Form(), new() { ["CurrentPassword"] = PageClient.DemoPassword, ["NewPassword"] = "ADMIN@acme.example" }));
        Assert.Contains("email address", asEmail.QuerySelector("#new-password-error")!.Text());
        var empty = await PageClient.Parse(await client.Submit(form.Form(), new() { ["CurrentPassword"] = "", ["NewPassword"] = "" }));
        Assert.Contains("Enter your current password", empty.QuerySelector("#current-password-error")!.Text());
        Assert.Equal(HttpStatusCode.OK, (await PageClient.Replaying(App, other).GetAsync("/customers/acme")).StatusCode);

        var done = await client.Submit(form.Form(), new() { ["CurrentPassword"] = PageClient.DemoPassword, ["NewPassword"] = "copper kettle morning rain" });
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Contains("was changed", (await client.GetDocument(done.Headers.Location!.OriginalString)).ByTestId("password-changed").Text());

        Assert.Equal(HttpStatusCode.OK, (await client.Get("/customers/acme")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PageClient.Replaying(App, other).GetAsync("/customers/acme")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PageClient.Anonymous(App).SignIn(email, "copper kettle morning rain")).StatusCode);
        Assert.Equal("Your SelfService password was changed", (await mail.MailTo(email)).Subject);

        await using var c = await App.Get<Db>().OpenAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<int>("select count(*) from AuditEntry where Kind = 'password.changed' and Actor = @email", new { email }));
    }
}
