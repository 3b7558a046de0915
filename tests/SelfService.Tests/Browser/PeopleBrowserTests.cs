using Microsoft.Playwright;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Browser;

/// <summary>People getting in by themselves, in Chromium, with the mail read from a real SMTP server.</summary>
[Collection(BrowserFixture.Collection)]
public sealed class PeopleBrowserTests(MailBrowserFixture browser) : IClassFixture<MailBrowserFixture>
{
    private static Task AssertAccessible(IPage page) => BrowserFixture.AssertAccessible(page);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ForgottenPassword_ByKeyboardOnly_MailLinkSetsANewPassword(bool phone)
    {
        var email = phone ? "owner@initech.example" : "owner@hooli.example";
        var page = await browser.NewPage(phone);
        await page.GotoAsync("/account/sign-in");
        await page.GetByLabel("Email").FocusAsync();
        // Email → Password → Sign in → "Forgot your password?"
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Forgot your password?", await page.EvaluateAsync<string>("document.activeElement.textContent.trim()"));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync("**/account/forgot-password");
        await page.GetByLabel("Email").FillAsync(email);
        await BrowserFixture.Screenshot(page, phone ? "forgot-password-phone" : "forgot-password-desktop");
        await page.Keyboard.PressAsync("Enter");
        await page.GetByTestId("reset-sent").WaitForAsync();
        await AssertAccessible(page);

        var link = MailBrowserFixture.LinkPath(await browser.MailTo(email), "/account/reset-password/");
        await page.GotoAsync(link);
        await page.GetByLabel("New password").FillAsync("short");
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#new-password-error", new() { HasTextString = "at least 12 characters" }).WaitForAsync();
        await BrowserFixture.Screenshot(page, phone ? "reset-password-error-phone" : "reset-password-error-desktop");
        await AssertAccessible(page);
        await page.GetByLabel("New password").FillAsync("marble staircase sunrise");
        await page.Keyboard.PressAsync("Enter");
        await page.GetByTestId("notice").WaitForAsync();

        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync("marble staircase sunrise");
        await page.Keyboard.PressAsync("Enter");
        await page.GetByTestId("sign-out").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        await page.GotoAsync("/account/password");
        await BrowserFixture.Screenshot(page, phone ? "change-password-phone" : "change-password-desktop");
        await AssertAccessible(page);
    }
}
