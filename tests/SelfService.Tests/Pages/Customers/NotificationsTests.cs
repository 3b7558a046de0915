using System.Net;
using Dapper;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Notifications;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Customers;

/// <summary>The notifications page (<c>/customers/{customer}/notifications</c>) and the unread count in the header.</summary>
public abstract class NotificationsTests(AppFactory app)
{
    [SkippableFact]
    public async Task Notifications_UnreadCountInHeader_ClearsWhenMarkedRead_PerUser()
    {
        var db = app.Get<Db>();
        await db.WriteAsync(async (c, tx) =>
        {
            var acme = await c.ExecuteScalarAsync<long>("select Id from Customer where ExternalKey = 'acme'", transaction: tx);
            var notifications = app.Get<NotificationService>();
            await notifications.NotifyAsync(c, tx, acme, null, "threshold.crossed", "API calls passed 80 % of the cap", "86,000 of 100,000 calls.", "/customers/acme/usage", app.Now, "test:threshold");
            await notifications.NotifyAsync(c, tx, acme, null, "threshold.crossed", "duplicate", "", null, app.Now, "test:threshold");
            var globex = await c.ExecuteScalarAsync<long>("select Id from Customer where ExternalKey = 'globex'", transaction: tx);
            await notifications.NotifyAsync(c, tx, globex, null, "grant.ended", "Not for Acme", "", null, app.Now);
        });

        var owner = await PageClient.SignedInAs(app, DemoUsers.AcmeOwner);
        var page = await owner.GetDocument("/customers/acme/notifications");
        Assert.Equal("1", page.ByTestId("unread-count").Text().Split(' ').Last());
        var item = Assert.Single(page.AllByTestId("notification"));
        Assert.Contains("API calls passed 80 % of the cap", item.Text());

        var form = page.Form("main form[method=post]");
        Assert.Equal("/customers/acme/notifications?handler=MarkRead", form.GetAttribute("action"));
        var response = await owner.Submit(form, new());
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var after = await owner.GetDocument("/customers/acme/notifications");
        Assert.Null(after.QuerySelector("[data-testid=unread-count]"));

        var member = await (await PageClient.SignedInAs(app, DemoUsers.AcmeMember)).GetDocument("/customers/acme");
        Assert.Equal("1", member.ByTestId("unread-count").Text().Split(' ').Last()); // read state is per user
    }
}

public sealed class SqliteNotificationsTests(SqliteApp app) : NotificationsTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlNotificationsTests(PostgreSqlApp app) : NotificationsTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerNotificationsTests(SqlServerApp app) : NotificationsTests(app), IClassFixture<SqlServerApp>;
