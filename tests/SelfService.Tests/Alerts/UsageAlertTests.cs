using System.Net;
using AngleSharp.Html.Dom;
using Dapper;
using SelfService.Alerts;
using SelfService.Api;
using SelfService.Data;
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
/// The alerts each customer user chooses, set on their own settings page and judged by the rollup: mail reaches a real
/// SMTP server once per user, period and threshold, never for a period that is over, and unsubscribes in one click.
/// </summary>
public abstract class UsageAlertTests(TestDatabase database) : IAsyncLifetime
{
    private const string Member = "member@acme.example";
    private const string Owner = "owner@acme.example";
    private readonly SmtpSink _smtp = new();
    private readonly AppFactory _app = new() { Database = database };

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
    private static async Task<HttpResponseMessage> Choose(PageClient client, string feature, string thresholds, bool email, string form = "mine-form")
    {
        var page = await client.GetDocument("/customers/acme/notifications/settings");
        var row = page.ByTestId(form).QuerySelector($"[data-testid=alert-row][data-feature='{feature}']")!;
        var name = ((IHtmlInputElement)row.QuerySelector("[data-testid=thresholds]")!).Name!;
        var prefix = name[..name.LastIndexOf('.')];
        var values = new Dictionary<string, string> { [name] = thresholds, [prefix + ".Portal"] = "true" };
        if (email) values[prefix + ".Email"] = "true";
        return await client.Submit((IHtmlFormElement)page.ByTestId(form), values);
    }

    private async Task Post(string id, decimal quantity, DateTime at)
    {
        var usage = await ApiTestClient.WithScopes(_app, ApiScopes.UsageWrite);
        await (await usage.Send(HttpMethod.Post, "/api/v1/usage",
            $$"""{"events":[{"id":"{{id}}","customer":"acme","feature":"api-calls","quantity":{{quantity}},"timestamp":"{{MeteringApp.Iso(at)}}"}]}""")).JsonOf(HttpStatusCode.OK);
    }

    /// <summary>The rollup, past its safety lag, then the mail job: what the job server would do a minute later.</summary>
    private async Task RollupAndMail()
    {
        _app.Clock.Advance(TimeSpan.FromMinutes(2));
        await _app.Get<UsageRollup>().RunAsync();
        await _app.Get<MailDelivery>().DeliverDueAsync(default);
    }

    private async Task<int> QueuedAlertMail() =>
        await (await _app.Get<Db>().OpenAsync()).ExecuteScalarAsync<int>("select count(*) from OutgoingMail where Kind = @kind", new { kind = UsageAlerts.MailKind });

    [SkippableFact]
    public async Task AUsersOwnFiftyPercentAlert_ArrivesByMailOnce_NotOnReplaysOrRollups_NorForAClosedPeriod()
    {
        var member = await PageClient.SignedInAs(_app, Member);
        var saved = await member.Follow(await Choose(member, "api-calls", "50%", email: true));
        Assert.Contains("Your alerts are saved", saved.ByTestId("flash").Text());
        Assert.Contains("50 %", saved.ByTestId("mine-form").QuerySelector("[data-feature='api-calls'] [data-testid=effective]")!.TextContent);

        // Acme is at 86 % of its 100,000 calls: the first rollup that folds a call judges the member's 50 %.
        var first = _app.Now;
        await Post("alert-1", 1, first);
        await RollupAndMail();

        var mail = await _smtp.WaitFor(Member);
        Assert.Equal("API calls: 50 % of your cap used", mail.Subject);
        Assert.Equal("/customers/acme/usage", MailApp.LinkPath(mail, "/customers/acme/usage"));
        Assert.Contains("86,001 of 100,000 calls used", mail.TextBody);
        var unsubscribe = mail.Headers["List-Unsubscribe"];
        Assert.StartsWith($"<{MailApp.PublicBase}unsubscribe/", unsubscribe);
        Assert.Equal("List-Unsubscribe=One-Click", mail.Headers["List-Unsubscribe-Post"]);
        // Nobody else chose an alert by mail: the Owner has the vendor's alerts, in the portal.
        Assert.Empty(_smtp.To(Owner));

        // The same event again, and rollups with nothing new: no second alert.
        await Post("alert-1", 1, first);
        await RollupAndMail();
        await Post("alert-2", 1, _app.Now);
        await RollupAndMail();
        await RollupAndMail();
        Assert.Equal(1, await QueuedAlertMail());

        // A period that is over: 95 % is crossed there only by a late event, after the period ended. Nothing is sent.
        await Choose(member, "api-calls", "50%, 95%", email: true);
        var account = (await _app.Get<EntitlementService>().ForCustomerAsync("acme", _app.Now))!;
        var period = UsagePeriod.Containing(_app.Now, account.Subscription.BillingAnchorDay);
        _app.Clock.SetUtcNow(new DateTimeOffset(period.End.AddHours(1), TimeSpan.Zero));
        await Post("alert-late", 20_000, period.End.AddHours(-1));
        await RollupAndMail();
        Assert.Equal(1, await QueuedAlertMail());
        Assert.Single(_smtp.To(Member));
        await using var c = await _app.Get<Db>().OpenAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<int>("select count(*) from UsageAlert where Threshold = '95%'"));
    }

    [SkippableFact]
    public async Task InThePortalOnly_TheAlertIsTheUsersOwnNotification_AndNoMail()
    {
        var admin = await PageClient.SignedInAs(_app, "admin@acme.example");
        await admin.Follow(await Choose(admin, "api-calls", "60%, 85000", email: false));

        await Post("portal-1", 1, _app.Now);
        await RollupAndMail();

        await using var c = await _app.Get<Db>().OpenAsync();
        var adminId = await c.ExecuteScalarAsync<long>("select Id from AppUser where Email = 'admin@acme.example'");
        var ownerId = await c.ExecuteScalarAsync<long>("select Id from AppUser where Email = @Owner", new { Owner });
        var acme = await c.ExecuteScalarAsync<long>("select Id from Customer where ExternalKey = 'acme'");
        var notes = _app.Get<NotificationService>();
        var mine = (await notes.ForUserAsync(adminId, acme)).Where(n => n.Kind == UsageAlerts.NotificationKind).Select(n => n.Title).Order().ToList();
        Assert.Equal(["API calls: 60 % of your cap used", "API calls: 85,000 calls used"], mine);
        Assert.DoesNotContain(await notes.ForUserAsync(ownerId, acme), n => n.Kind == UsageAlerts.NotificationKind);
        Assert.Equal(0, await QueuedAlertMail());
    }

    [SkippableFact]
    public async Task AccountDefaults_SetByAnOwner_ApplyToWhoeverHasNotChosen_AndAMemberCannotSetThem()
    {
        var member = await PageClient.SignedInAs(_app, Member);
        Assert.Empty((await member.GetDocument("/customers/acme/notifications/settings")).AllByTestId("account-form"));
        var owner = await PageClient.SignedInAs(_app, Owner);
        await owner.Follow(await Choose(owner, "api-calls", "70%", email: true, form: "account-form"));
        Assert.Contains("Account default: 70 %", (await member.GetDocument("/customers/acme/notifications/settings"))
            .QuerySelector("[data-testid=mine-form] [data-feature='api-calls'] [data-testid=effective]")!.TextContent);

        await Post("default-1", 1, _app.Now);
        await RollupAndMail();

        // Everyone at Acme who has not chosen (Owner, Admin, Member) gets the account's 70 % by mail.
        foreach (var email in new[] { Owner, "admin@acme.example", Member })
            Assert.Equal("API calls: 70 % of your cap used", (await _smtp.WaitFor(email)).Subject);
    }

    [SkippableFact]
    public async Task Post_BadThresholds_ShowTheErrorBesideTheField_AndSaveNothing()
    {
        var member = await PageClient.SignedInAs(_app, Member);
        var response = await Choose(member, "api-calls", "lots", email: true);

        var page = await PageClient.Parse(response);
        var name = ((IHtmlInputElement)page.ByTestId("mine-form").QuerySelector("[data-feature='api-calls'] [data-testid=thresholds]")!).Name!;
        Assert.Contains("\"lots\" is not a threshold", page.ErrorFor(name));
        await using var c = await _app.Get<Db>().OpenAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<int>("select count(*) from AlertPreference"));
    }

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

    [SkippableFact]
    public async Task RequestDecision_IsMailedToTheRequester_WithTheRequestLink_AndItsOwnUnsubscribe()
    {
        var request = await SelfService.Tests.Requests.RequestTestKit.Ask(_app, Member,
            new SelfService.Requests.RequestDraft { Kind = SelfService.Requests.RequestKind.AddOn, AddOnCode = "extra-seats", Quantity = 1 });
        var rejected = await SelfService.Tests.Requests.RequestTestKit.Decide(_app, Owner, request, new SelfService.Requests.RequestDecision(false, "Not this quarter"));
        Assert.True(rejected.Succeeded);
        await _app.Get<MailDelivery>().DeliverDueAsync(default);

        var mail = await _smtp.WaitFor(Member);
        Assert.StartsWith("Rejected: Extra Seats", mail.Subject);
        Assert.Contains("Reason: Not this quarter", mail.TextBody);
        Assert.Equal($"/customers/acme/requests/{request.Id}", MailApp.LinkPath(mail, "/customers/acme/requests/"));
        Assert.Contains("decisions on your requests", mail.TextBody);
        Assert.NotNull(mail.Headers["List-Unsubscribe"]);
        Assert.Empty(_smtp.To(Owner)); // who decided needs no mail about it
    }

    [SkippableFact]
    public async Task GrantEnding_IsMailedToOwnersAndAdmins_SevenDaysAndOneDayAhead_WithTheOneClickExtension()
    {
        var crm = await ApiTestClient.Provisioner(_app);
        var grant = await (await crm.Send(HttpMethod.Post, "/api/v1/customers/acme/grants",
            $$"""{"feature":"storage-gb","value":50,"validUntil":"{{MeteringApp.Iso(_app.Now.AddDays(3))}}","reason":"Migration"}""")).JsonOf(HttpStatusCode.Created);
        var id = grant.GetProperty("id").GetInt64();
        var job = _app.Get<SelfService.Requests.GrantEndingReminderJob>();

        await job.Execute(default);
        await job.Execute(default);
        await _app.Get<MailDelivery>().DeliverDueAsync(default);
        var week = (await Storage(Owner, 1))[0];
        Assert.Equal("Storage access ends within 7 days", week.Subject);
        // The one-click extension: the request form filled in for this grant.
        Assert.Matches($@"{MailApp.PublicBase}customers/acme/requests/new\?kind=access&feature=storage-gb&days=\d+&amount=50&extends={id}\s", week.TextBody);
        Assert.Single(await Storage("admin@acme.example", 1));

        _app.Clock.Advance(TimeSpan.FromDays(2.5));
        await job.Execute(default);
        await job.Execute(default);
        await _app.Get<MailDelivery>().DeliverDueAsync(default);
        var both = await Storage(Owner, 2);
        Assert.Equal(["Storage access ends within 7 days", "Storage access ends in a day"], both.Select(m => m.Subject));
        Assert.Empty(await Storage(Member, 0)); // Members cannot ask for an extension
    }

    /// <summary>The mail about the Storage grant to <paramref name="address"/>, once at least <paramref name="count"/> arrived (the demo has grants ending too).</summary>
    private async Task<IReadOnlyList<MimeKit.MimeMessage>> Storage(string address, int count)
    {
        // For none, a second's wait shows that nothing more came.
        var until = DateTime.UtcNow + (count == 0 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(10));
        List<MimeKit.MimeMessage> got;
        do
        {
            got = _smtp.To(address).Where(m => m.Subject?.StartsWith("Storage", StringComparison.Ordinal) == true).ToList();
            if (count > 0 && got.Count >= count) break;
            await Task.Delay(50);
        } while (DateTime.UtcNow < until);
        return got;
    }

    private async Task<long> MemberId()
    {
        await using var c = await _app.Get<Db>().OpenAsync();
        return await c.ExecuteScalarAsync<long>("select Id from AppUser where Email = @Member", new { Member });
    }
}

public sealed class SqliteUsageAlertTests() : UsageAlertTests(TestDatabase.Sqlite);

public sealed class PostgreSqlUsageAlertTests() : UsageAlertTests(TestDatabase.PostgreSql);

public sealed class SqlServerUsageAlertTests() : UsageAlertTests(TestDatabase.SqlServer);
