using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Browser;

[Collection(BrowserFixture.Collection)]
public sealed class AccountBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Member_SignsIn_AndSeesEntitlementsWithSources(bool phone)
    {
        var page = await browser.SignedIn(DemoUsers.AcmeMember, phone);

        Assert.EndsWith("/customers/acme", page.Url);
        await page.GetByRole(AriaRole.Link, new() { Name = "Entitlements", Exact = true }).ClickAsync();
        var members = page.Locator("[data-testid=entitlement][data-handle=max-members]");
        Assert.Equal("40 members", (await members.Locator("[data-testid=entitlement-value]").InnerTextAsync()).Trim());
        Assert.Equal(3, await members.Locator("[data-testid=source]").CountAsync());
        await BrowserFixture.Screenshot(page, phone ? "account-phone" : "account-desktop");

        await BrowserFixture.AssertAccessible(page);
    }

    [Fact]
    public async Task SignInPage_HasNoSeriousAccessibilityViolations()
    {
        var page = await browser.NewPage();
        await page.GotoAsync("/account/sign-in");
        await BrowserFixture.Screenshot(page, "sign-in");
        var axe = await page.RunAxe();
        Assert.DoesNotContain(axe.Violations, v => v.Impact is "serious" or "critical");
    }

    [Fact]
    public async Task Operator_SeesTheJobDashboard_AndCustomersDoNot()
    {
        var op = await browser.SignedIn(DemoUsers.Operator);
        var response = await op.GotoAsync("/hangfire");
        Assert.Equal(200, response!.Status);
        await BrowserFixture.Screenshot(op, "hangfire");

        var member = await browser.SignedIn(DemoUsers.AcmeOwner);
        var denied = await member.GotoAsync("/hangfire");
        Assert.Equal(403, denied!.Status);
    }
}
