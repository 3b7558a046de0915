using System.Net;
using Dapper;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Notifications;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Customers;

public sealed class PlansAndNotificationsTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task Plans_DowngradePreview_ListsEveryFeatureOverTheNewPlansValue()
    {
        var page = await (await PageClient.SignedInAs(app, DemoUsers.AcmeOwner)).GetDocument("/customers/acme/plans");

        var starter = page.QuerySelector("[data-testid=plan-option][data-code=starter]")!;
        Assert.Equal("−$70", starter.ByTestId("price-difference").Text());
        var exceeded = starter.AllByTestId("exceeded").Select(e => e.GetAttribute("data-handle")).Order().ToList();
        // Acme uses 86,000 calls (Starter: 10,000), 61 GB (10 GB), and 33 members (Starter 5 + Extra Seats 10 + grant 5 = 20).
        Assert.Equal(["api-calls", "max-members", "storage-gb"], exceeded);
        Assert.Contains("API calls: you use 86,000 calls, Starter allows 10,000 calls.", starter.ByTestId("downgrade-preview").Text());

        var enterprise = page.QuerySelector("[data-testid=plan-option][data-code=enterprise]")!;
        Assert.Empty(enterprise.AllByTestId("exceeded"));
        Assert.Equal("+$400", enterprise.ByTestId("price-difference").Text());
        Assert.Equal("/customers/acme/requests/new?kind=plan&code=enterprise", enterprise.ByTestId("request-plan").GetAttribute("href"));
    }

    [Fact]
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
