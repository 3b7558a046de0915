using Microsoft.Playwright;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Webhooks;
using SelfService.Webhooks;

namespace SelfService.Tests.Browser;

[Collection(BrowserFixture.Collection)]
public sealed class WebhooksBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>
    /// The operator adds an endpoint by keyboard and mouse, copies the secret, and reads the delivery log; the browser's app
    /// refuses private addresses (as in production), so the log shows the refused attempt.
    /// </summary>
    [Fact]
    public async Task Operator_AddsAnEndpoint_AndReadsItsDeliveryLog_AtDesktopAndPhoneWidths()
    {
        var op = await browser.SignedIn(DemoUsers.Operator);
        await op.GotoAsync("/vendor/webhooks");
        await op.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();
        Assert.Contains("Required", await op.Locator("[data-valmsg-for='Input.Url']").InnerTextAsync());
        await op.GetByLabel("URL").FillAsync("http://127.0.0.1:9/hooks/billing-system-with-a-rather-long-path");
        await op.GetByLabel("Description").FillAsync("Billing system");
        await op.GetByLabel("entitlements.changed").CheckAsync();
        await op.GetByLabel("customer.created").CheckAsync();
        await op.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();
        var secret = await op.GetByTestId("secret").InputValueAsync();
        Assert.StartsWith("whsec_", secret);
        await BrowserFixture.Screenshot(op, "webhooks-created-1280");

        var endpoint = (await browser.App.Get<WebhookEndpointStore>().ListAsync()).Single(e => e.Description == "Billing system");
        await WebhookDeliveryTests.Emit(browser.App, data: new { customer = "acme", name = "Acme Corp" });
        await browser.App.Get<WebhookDeliveries>().DeliverDueAsync(default);

        await op.GotoAsync($"/vendor/webhooks/{endpoint.Id}");
        await op.GetByText("Payload").First.ClickAsync();
        Assert.Contains("Refused", await op.GetByTestId("attempt-error").InnerTextAsync());
        await BrowserFixture.Screenshot(op, "webhooks-endpoint-1280");

        var phone = await browser.SignedIn(DemoUsers.Operator, phone: true);
        await phone.GotoAsync($"/vendor/webhooks/{endpoint.Id}");
        await phone.GetByText("Payload").First.ClickAsync();
        await BrowserFixture.Screenshot(phone, "webhooks-endpoint-390");
        await phone.GotoAsync("/vendor/webhooks");
        await BrowserFixture.Screenshot(phone, "webhooks-index-390");
        var overflow = await phone.EvaluateAsync<bool>("document.documentElement.scrollWidth > document.documentElement.clientWidth");
        Assert.False(overflow, "the webhooks page scrolls sideways at 390 px");
    }
}
