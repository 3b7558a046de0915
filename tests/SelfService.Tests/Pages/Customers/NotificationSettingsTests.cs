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

namespace SelfService.Tests.Pages.Customers;

/// <summary>Each person's alert settings (<c>/customers/{customer}/notifications/settings</c>) and the account defaults Owners and Admins set.</summary>
public abstract class NotificationSettingsTests(TestDatabase database) : AlertTestKit(database)
{
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
        foreach (var email in new[] { Owner, DemoUsers.AcmeAdmin, Member })
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
}

public sealed class SqliteNotificationSettingsTests() : NotificationSettingsTests(TestDatabase.Sqlite);

public sealed class PostgreSqlNotificationSettingsTests() : NotificationSettingsTests(TestDatabase.PostgreSql);

public sealed class SqlServerNotificationSettingsTests() : NotificationSettingsTests(TestDatabase.SqlServer);
