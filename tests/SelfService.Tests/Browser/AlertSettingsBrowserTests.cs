using Microsoft.Playwright;
using SelfService.Tests.Pages.Staff;
using SelfService.Mail;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Browser;

[Collection(BrowserFixture.Collection)]
public sealed class AlertSettingsBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>
    /// An Owner chooses their own alert by keyboard and mouse (a wrong threshold first, shown beside its field), sets the
    /// account's default, and the unsubscribe page a mail links to: at desktop and phone widths, with no sideways scroll.
    /// </summary>
    [Fact]
    public async Task Owner_ChoosesAlerts_AndTheAccountDefault_AtDesktopAndPhoneWidths()
    {
        var page = await browser.SignedIn("owner@acme.example");
        await page.GotoAsync("/customers/acme/notifications");
        await page.GetByTestId("alert-settings").ClickAsync();
        var mine = page.GetByTestId("mine-form");
        await mine.GetByLabel("API calls").FillAsync("fifty");
        await mine.GetByRole(AriaRole.Button, new() { Name = "Save my alerts" }).ClickAsync();
        Assert.Contains("is not a threshold", await page.Locator("[data-testid=mine-form] [data-feature='api-calls'] .field-error").InnerTextAsync());
        await BrowserFixture.Screenshot(page, "alert-settings-error-1280");

        await page.GetByTestId("mine-form").GetByLabel("API calls").FillAsync("50%, 90%, 120000");
        await page.Locator("[data-testid=mine-form] [data-feature='api-calls'] [data-testid=email]").CheckAsync();
        await page.GetByTestId("mine-form").GetByRole(AriaRole.Button, new() { Name = "Save my alerts" }).ClickAsync();
        Assert.Contains("saved", await page.GetByTestId("flash").InnerTextAsync());
        await page.GetByTestId("account-form").GetByLabel("Storage").FillAsync("75%");
        await page.GetByTestId("account-form").GetByRole(AriaRole.Button, new() { Name = "Save account defaults" }).ClickAsync();
        await BrowserFixture.AssertAccessible(page);
        await BrowserFixture.Screenshot(page, "alert-settings-1280");

        var phone = await browser.SignedIn("member@acme.example", phone: true);
        await phone.GotoAsync("/customers/acme/notifications/settings");
        Assert.Contains("Account default: 75 %", await phone.Locator("[data-testid=mine-form] [data-feature='storage-gb'] [data-testid=effective]").InnerTextAsync());
        await BrowserFixture.Screenshot(phone, "alert-settings-member-375");
        var overflow = await phone.EvaluateAsync<bool>("document.documentElement.scrollWidth > document.documentElement.clientWidth");
        Assert.False(overflow, "the alert settings page scrolls sideways on a phone");

        var memberId = await browser.App.Scalar<long>("select Id from AppUser where Email = 'member@acme.example'");
        var link = new Uri(browser.App.Get<MailChoices>().UnsubscribeLink(memberId, MailChoices.Usage)).PathAndQuery;
        var signedOut = await browser.NewPage(phone: true);
        await signedOut.GotoAsync(link);
        await BrowserFixture.Screenshot(signedOut, "unsubscribe-375");
        await signedOut.GetByRole(AriaRole.Button, new() { Name = "Unsubscribe" }).ClickAsync();
        Assert.Contains("no more mail about usage alerts", await signedOut.GetByTestId("unsubscribed").InnerTextAsync());
        await BrowserFixture.Screenshot(signedOut, "unsubscribed-375");
    }
}
