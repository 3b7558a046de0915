using Microsoft.Playwright;
using SelfService.Demo;
using SelfService.Requests;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Requests;

namespace SelfService.Tests.Browser;

/// <summary>
/// The overview with a downgrade scheduled for the end of the period, at desktop and phone width, and the Owner's
/// cancel by keyboard alone. The class has its own app (its fixture), so the change touches no other browser test.
/// </summary>
[Collection(BrowserFixture.Collection)]
public sealed class ScheduledChangeBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Overview_ShowsTheScheduledDowngrade_AtDesktopAndPhoneWidth_AndTheOwnerCancelsItByKeyboard()
    {
        await RequestTestKit.Ask(browser.App, DemoUsers.AcmeOwner, new RequestDraft { Kind = RequestKind.Plan, PlanCode = "starter", ConfirmDowngrade = true });

        foreach (var width in new[] { 1280, 390 })
        {
            var page = await browser.SignedIn(DemoUsers.AcmeOwner, width);
            await page.GotoAsync("/customers/acme");
            var text = page.GetByTestId("scheduled-text");
            Assert.Equal("Business changes to Starter on 1 Dec 2026, 00:00 UTC", (await text.InnerTextAsync()).Trim());
            Assert.True(await page.GetByTestId("cancel-scheduled").IsVisibleAsync());
            // Nothing of the notice reaches past the viewport's width.
            var box = await page.GetByTestId("scheduled-change").BoundingBoxAsync();
            Assert.True(box!.X + box.Width <= width, $"the notice is {box.X + box.Width} px wide at {width}");
            await BrowserFixture.Screenshot(page, $"scheduled-change-{width}");
            await BrowserFixture.AssertAccessible(page);
        }

        var owner = await browser.SignedIn(DemoUsers.AcmeOwner, 1280);
        await owner.GotoAsync("/customers/acme");
        await owner.GetByTestId("cancel-scheduled").FocusAsync();
        await owner.Keyboard.PressAsync("Enter");
        await owner.GetByTestId("scheduled-cancelled").WaitForAsync();
        Assert.Equal(0, await owner.GetByTestId("scheduled-change").CountAsync());
        await BrowserFixture.Screenshot(owner, "scheduled-change-cancelled-1280");
    }
}
