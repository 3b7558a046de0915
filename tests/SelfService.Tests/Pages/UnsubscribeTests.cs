using System.Net;
using AngleSharp.Html.Dom;
using Dapper;
using SelfService.Alerts;
using SelfService.Api;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Entitlements;
using SelfService.Mail;
using SelfService.Metering;
using SelfService.Notifications;
using SelfService.Tests.Alerts;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Integration;
using SelfService.Tests.Metering;
using SelfService.Tests.Pages.Staff;

namespace SelfService.Tests.Pages;

/// <summary>The one-click unsubscribe page a mail links to (<c>/unsubscribe/{token}</c>), signed out.</summary>
public abstract class UnsubscribeTests(TestDatabase database) : AlertTestKit(database)
{
    [SkippableFact]
    public async Task UnsubscribeLink_TurnsOffThatKindOfMail_InOneClick_SignedOut()
    {
        var member = await PageClient.SignedInAs(_app, Member);
        await member.Follow(await Choose(member, "api-calls", "50%", email: true));
        await Post("unsub-1", 1, _app.Now);
        await RollupAndMail();
        var mail = await _smtp.WaitFor(Member);
        var link = mail.Headers["List-Unsubscribe"]!.Trim('<', '>');
        var path = new Uri(link).PathAndQuery;

        // What a mail client does for List-Unsubscribe-Post: one POST, no page, no cookie.
        using var anonymous = _app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var done = await anonymous.PostAsync(path, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Contains("no more mail about usage alerts", await done.Content.ReadAsStringAsync());
        Assert.False((await _app.Get<MailChoices>().ForUserAsync(await MemberId()))[MailChoices.Usage]);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/unsubscribe/forged-token")).StatusCode);

        // A higher threshold crossed later in the period: the portal still has it, the mailbox does not.
        await Choose(member, "api-calls", "50%, 99%", email: true);
        await Post("unsub-2", 13_000, _app.Now);
        await RollupAndMail();
        Assert.Single(_smtp.To(Member));
    }
}

public sealed class SqliteUnsubscribeTests() : UnsubscribeTests(TestDatabase.Sqlite);

public sealed class PostgreSqlUnsubscribeTests() : UnsubscribeTests(TestDatabase.PostgreSql);

public sealed class SqlServerUnsubscribeTests() : UnsubscribeTests(TestDatabase.SqlServer);
