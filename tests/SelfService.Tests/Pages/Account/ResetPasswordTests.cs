using System.Net;
using Dapper;
using SelfService.Accounts;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Account;

/// <summary>The reset-password page (<c>/account/reset-password/{token}</c>) behind a mailed link.</summary>
public sealed class ResetPasswordTests(MailApp mail) : IClassFixture<MailApp>
{
    private AppFactory App => mail.App;

    [Fact]
    public async Task ResetLink_ExpiresAfterAnHour()
    {
        const string email = DemoUsers.UmbrellaOwner;
        var client = PageClient.Anonymous(App);
        await ForgotPasswordTests.AskForReset(client, email);
        var link = MailApp.LinkPath(await mail.MailTo(email), "/account/reset-password/");

        // This class has its app (and clock) to itself: moving the clock an hour on disturbs no other test.
        App.Clock.Advance(TimeSpan.FromMinutes(61));
        var page = await client.GetDocument(link);
        Assert.Contains("expired", page.ByTestId("link-problem").Text());
        Assert.Null(page.QuerySelector("input[name=NewPassword]"));
    }
}
