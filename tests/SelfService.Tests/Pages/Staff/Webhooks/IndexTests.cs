using AngleSharp.Dom;
using System.Net;
using AngleSharp.Html.Dom;
using SelfService.Demo;
using SelfService.Events;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Webhooks;
using SelfService.Webhooks;

namespace SelfService.Tests.Pages.Staff.Webhooks;

/// <summary>The webhook endpoints page for Operators (<c>/vendor/webhooks</c>): creating one, its secret shown once; who may see it. Written once, run per database.</summary>
public abstract class IndexTests(TestDatabase database) : WebhookPageKit(database)
{
    [SkippableFact]
    public async Task Post_Create_WithBadUrlAndNoEvents_ShowsBothErrorsBesideTheirFields_AndCreatesNothing()
    {
        var client = await OperatorClient.SignIn(_app);
        var response = await client.SubmitForm("/vendor/webhooks", "create-endpoint-form", new() { ["Input.Url"] = "ftp://example.com/hook" });

        var page = await PageClient.Parse(response);
        Assert.Contains("absolute https://", page.ErrorFor("Input.Url"));
        Assert.Contains("at least one event", page.ErrorFor("Input.Events"));
        Assert.Empty(await _app.Get<WebhookEndpointStore>().ListAsync());
    }

    [SkippableFact]
    public async Task Post_Create_ShowsTheSecretOnce_AndTheEndpointPageShowsEachAttempt_AndSendAgainDelivers()
    {
        var client = await OperatorClient.SignIn(_app);
        var page = await client.GetDocument("/vendor/webhooks");
        var token = page.QuerySelector<IHtmlInputElement>("[data-testid=create-endpoint-form] input[name=__RequestVerificationToken]")!.Value;
        var created = await client.Http.PostAsync("/vendor/webhooks", new FormUrlEncodedContent(
        [
            new("__RequestVerificationToken", token), new("Input.Url", _receiver.Url),
            new("Input.Events", EventTypes.CustomerCreated), new("Input.Events", EventTypes.RequestDecided),
        ]));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Contains("no-store", created.Headers.CacheControl!.ToString());
        var secret = (await PageClient.Parse(created)).QuerySelector<IHtmlInputElement>("[data-testid=secret]")!.Value;
        Assert.StartsWith("whsec_", secret);
        var endpoint = Assert.Single(await _app.Get<WebhookEndpointStore>().ListAsync());
        Assert.Equal([EventTypes.CustomerCreated, EventTypes.RequestDecided], endpoint.EventList);
        Assert.DoesNotContain(secret, (await client.GetDocument("/vendor/webhooks")).DocumentElement.OuterHtml);

        _receiver.AnswerWith(500);
        await WebhookDeliveryTests.Emit(_app);
        await _app.Get<WebhookDeliveries>().DeliverDueAsync(default);

        var detail = await client.GetDocument($"/vendor/webhooks/{endpoint.Id}");
        var delivery = detail.ByTestId("delivery");
        Assert.Equal("Pending", delivery.GetAttribute("data-status"));
        Assert.Contains("500", delivery.ByTestId("attempt").Text());
        Assert.Contains("\"type\": \"customer.created\"", delivery.ByTestId("payload").TextContent);
        Assert.NotNull(detail.QuerySelector("[data-testid=failing-notice]"));

        var again = await client.Follow(await client.Submit((IHtmlFormElement)delivery.QuerySelector("form")!, new()));
        Assert.Contains("Sent again", again.ByTestId("flash").Text());
        var after = again.ByTestId("delivery");
        Assert.Equal("Delivered", after.GetAttribute("data-status"));
        var attempts = after.AllByTestId("attempt").Select(a => a.Text()).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.Contains("(sent again)", attempts[1]);
        Assert.Contains("200", attempts[1]);
        Assert.Equal(2, _receiver.Requests.Count);
    }

    [SkippableFact]
    public async Task CustomerUsers_AndApprovers_CannotOpenTheWebhookPages()
    {
        var (id, _) = await WebhookDeliveryTests.CreateEndpoint(_app, _receiver.Url);
        foreach (var email in new[] { DemoUsers.AcmeOwner, DemoUsers.Approver })
        {
            var client = await PageClient.SignedInAs(_app, email);
            foreach (var url in new[] { "/vendor/webhooks", $"/vendor/webhooks/{id}" })
            {
                var response = await client.Get(url);
                Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.Redirect,
                    $"{email} {url}: {(int)response.StatusCode}");
                Assert.DoesNotContain(_receiver.Url, await response.Content.ReadAsStringAsync());
            }
        }
    }
}

public sealed class SqliteIndexTests() : IndexTests(TestDatabase.Sqlite);

public sealed class PostgreSqlIndexTests() : IndexTests(TestDatabase.PostgreSql);

public sealed class SqlServerIndexTests() : IndexTests(TestDatabase.SqlServer);
