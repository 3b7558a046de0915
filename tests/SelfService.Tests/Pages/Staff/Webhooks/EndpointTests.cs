using AngleSharp.Dom;
using System.Net;
using AngleSharp.Html.Dom;
using SelfService.Events;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Webhooks;
using SelfService.Webhooks;

namespace SelfService.Tests.Pages.Staff.Webhooks;

/// <summary>One webhook endpoint's page (<c>/vendor/webhooks/{id}</c>): the notice when it was disabled, enabling it again. Written once, run per database.</summary>
public abstract class EndpointTests(TestDatabase database) : WebhookPageKit(database)
{
    [SkippableFact]
    public async Task EndpointDisabledByGone_ShowsTheNotice_AndCanBeEnabledAgain()
    {
        var (id, _) = await WebhookDeliveryTests.CreateEndpoint(_app, _receiver.Url);
        _receiver.AnswerWith(410);
        await WebhookDeliveryTests.Emit(_app);
        await _app.Get<WebhookDeliveries>().DeliverDueAsync(default);
        var client = await OperatorClient.SignIn(_app);

        var page = await client.GetDocument($"/vendor/webhooks/{id}");
        Assert.Contains("410 Gone", page.ByTestId("disabled-notice").Text());
        var toggle = (IHtmlFormElement)page.ByTestId("toggle-enabled").Closest("form")!;
        var enabled = await client.Follow(await client.Submit(toggle, new()));
        Assert.Empty(enabled.AllByTestId("disabled-notice"));
        Assert.True((await _app.Get<WebhookEndpointStore>().FindAsync(id))!.Enabled);
    }
}

public sealed class SqliteEndpointTests() : EndpointTests(TestDatabase.Sqlite);

public sealed class PostgreSqlEndpointTests() : EndpointTests(TestDatabase.PostgreSql);

public sealed class SqlServerEndpointTests() : EndpointTests(TestDatabase.SqlServer);
