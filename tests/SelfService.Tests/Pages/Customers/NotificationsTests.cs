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

/// <summary>Notifications past one page: newest first, each once, only the customer's own; the unread count covers every page.</summary>
public abstract class NotificationPagingTests(AppFactory app)
{
    [SkippableFact]
    public async Task Notifications_OfMoreThanTwoHundred_PageNewestFirst_EachOnce_OnlyTheCustomersOwn()
    {
        await LongListKit.Notifications(app, "acme", 230, app.Now.AddMinutes(5));
        await LongListKit.Notifications(app, "globex", 50, app.Now.AddMinutes(6));
        var owner = await PageClient.SignedInAs(app, DemoUsers.AcmeOwner);

        var pages = await LongListKit.AllPages(owner, "/customers/acme/notifications", "notification", n => n.QuerySelector(".note-title")!.TextContent.Trim());
        var titles = LongListKit.AssertNoDuplicates(pages);
        Assert.Equal(Enumerable.Range(0, 230).OrderBy(i => i / 10).ThenByDescending(i => i).Select(i => $"acme long-list note {i:000}"), titles.Where(t => t.Contains("long-list", StringComparison.Ordinal)));
        Assert.DoesNotContain(titles, t => t.StartsWith("globex", StringComparison.Ordinal));
        Assert.Equal($"41–80 of {titles.Count:N0}", pages[1].Range);

        var first = await owner.GetDocument("/customers/acme/notifications");
        var unread = int.Parse(first.ByTestId("mark-read").Text().Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(unread, 230, titles.Count); // every page's, not the forty shown
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Get("/customers/globex/notifications?p=2")).StatusCode);
        var junk = await owner.GetDocument("/customers/acme/notifications?p=1.5");
        Assert.Equal(pages[0].Keys, junk.AllByTestId("notification").Select(n => n.QuerySelector(".note-title")!.TextContent.Trim()));
    }
}

public sealed class SqliteNotificationPagingTests(SqliteApp app) : NotificationPagingTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlNotificationPagingTests(PostgreSqlApp app) : NotificationPagingTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerNotificationPagingTests(SqlServerApp app) : NotificationPagingTests(app), IClassFixture<SqlServerApp>;
