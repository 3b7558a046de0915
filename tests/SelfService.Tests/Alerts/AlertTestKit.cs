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
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Integration;
using SelfService.Tests.Metering;
using SelfService.Tests.Pages.Staff;

namespace SelfService.Tests.Alerts;

/// <summary>
/// What the alert tests share: an app on the database under test whose mail goes to a real SMTP server on loopback,
/// choosing thresholds on the settings page, posting usage, and the rollup and mail jobs run as the job server would.
/// </summary>
public abstract class AlertTestKit(TestDatabase database) : IAsyncLifetime
{
    protected const string Member = DemoUsers.AcmeMember;
    protected const string Owner = DemoUsers.AcmeOwner;
    protected readonly SmtpSink _smtp = new();
    protected readonly AppFactory _app = new() { Database = database };

    public Task InitializeAsync()
    {
        _smtp.Configure(_app);
        _app.Settings["SelfService:PublicUrl"] = MailApp.PublicBase;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _app.Dispose();
        await _smtp.DisposeAsync();
    }

    /// <summary>Sets one feature's thresholds on the signed-in person's settings page, in the form with <paramref name="form"/>.</summary>
    protected static async Task<HttpResponseMessage> Choose(PageClient client, string feature, string thresholds, bool email, string form = "mine-form")
    {
        var page = await client.GetDocument("/customers/acme/notifications/settings");
        var row = page.ByTestId(form).QuerySelector($"[data-testid=alert-row][data-feature='{feature}']")!;
        var name = ((IHtmlInputElement)row.QuerySelector("[data-testid=thresholds]")!).Name!;
        var prefix = name[..name.LastIndexOf('.')];
        var values = new Dictionary<string, string> { [name] = thresholds, [prefix + ".Portal"] = "true" };
        if (email) values[prefix + ".Email"] = "true";
        return await client.Submit((IHtmlFormElement)page.ByTestId(form), values);
    }

    protected async Task Post(string id, decimal quantity, DateTime at)
    {
        var usage = await ApiTestClient.WithScopes(_app, ApiScopes.UsageWrite);
        await (await usage.Send(HttpMethod.Post, "/api/v1/usage",
            $$"""{"events":[{"id":"{{id}}","customer":"acme","feature":"api-calls","quantity":{{quantity}},"timestamp":"{{MeteringApp.Iso(at)}}"}]}""")).JsonOf(HttpStatusCode.OK);
    }

    /// <summary>The rollup, past its safety lag, then the mail job: what the job server would do a minute later.</summary>
    protected async Task RollupAndMail()
    {
        _app.Clock.Advance(TimeSpan.FromMinutes(2));
        await _app.Get<UsageRollup>().RunAsync();
        await _app.Get<MailDelivery>().DeliverDueAsync(default);
    }

    protected async Task<int> QueuedAlertMail() =>
        await (await _app.Get<Db>().OpenAsync()).ExecuteScalarAsync<int>("select count(*) from OutgoingMail where Kind = @kind", new { kind = UsageAlerts.MailKind });

    protected async Task<long> MemberId()
    {
        await using var c = await _app.Get<Db>().OpenAsync();
        return await c.ExecuteScalarAsync<long>("select Id from AppUser where Email = @Member", new { Member });
    }
}
