using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using SelfService.Entitlements;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Browser;

[Collection(BrowserFixture.Collection)]
public sealed class OperatorBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string OperatorEmail = "operator@vendor.example";

    private static async Task AssertAccessible(IPage page, string what)
    {
        var axe = await page.RunAxe();
        var serious = axe.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Html))}").ToList();
        Assert.True(serious.Count == 0, what + "\n" + string.Join("\n", serious));
    }

    private static async Task<string> Text(ILocator locator) => (await locator.InnerTextAsync()).Trim();

    /// <summary>
    /// Seed 001's "Supersede": the operator changes Business by a new version; Acme keeps v1 (and its seats) until the
    /// operator moves it, and only then does Acme see the new value. Initech, also on Business v1, is left alone.
    /// </summary>
    [Fact]
    public async Task Operator_SupersedesAPlan_AndMovesOneSubscription_AndOnlyThenItsEntitlementsChange()
    {
        var customer = await browser.SignedIn("member@acme.example");
        await customer.GotoAsync("/customers/acme/entitlements");
        var seats = customer.Locator("[data-testid=entitlement][data-handle=max-members] [data-testid=entitlement-value]");
        Assert.Equal("40 members", await Text(seats)); // Business 25 + Extra Seats 10 + grant 5

        var op = await browser.SignedIn(OperatorEmail);
        await op.GotoAsync("/vendor/catalog");
        var v1 = op.Locator("[data-testid=plan-version][data-code=business][data-version='1']");
        Assert.Equal("2 subscriptions", await Text(v1.Locator("[data-testid=subscriptions]")));
        await v1.GetByRole(AriaRole.Link, new() { Name = "Supersede" }).ClickAsync();

        Assert.Contains("Saving creates v2", await Text(op.GetByTestId("supersede-note")));
        await op.Locator("[data-testid=entitlement-row][data-handle=max-members] input.value-input").FillAsync("30");
        await BrowserFixture.Screenshot(op, "operator-supersede-plan");
        await op.GetByRole(AriaRole.Button, new() { Name = "Create v2" }).ClickAsync();

        await op.WaitForURLAsync("**/vendor/catalog");
        Assert.Contains("2 subscriptions stay on v1 until moved", await Text(op.GetByTestId("flash")));
        Assert.Equal("2 subscriptions", await Text(op.Locator("[data-testid=plan-version][data-code=business][data-version='1'] [data-testid=subscriptions]")));
        Assert.Equal("none", await Text(op.Locator("[data-testid=plan-version][data-code=business][data-version='2'] [data-testid=subscriptions]")));
        await BrowserFixture.Screenshot(op, "operator-catalog-after-supersede");

        // Superseding alone changes nothing for the customer.
        await customer.ReloadAsync();
        Assert.Equal("40 members", await Text(seats));

        await op.GotoAsync("/vendor/customers?q=corp");
        await op.GetByRole(AriaRole.Link, new() { Name = "Acme Corp" }).ClickAsync();
        Assert.Contains("superseded by v2", await Text(op.GetByTestId("newer-version")));
        await op.GetByRole(AriaRole.Button, new() { Name = "Move to v2" }).ClickAsync();
        await op.GetByTestId("flash").WaitForAsync();
        Assert.Equal("v2", await Text(op.GetByTestId("plan-version")));
        Assert.Equal("45 members", await Text(op.Locator("[data-testid=entitlement][data-handle=max-members] [data-testid=effective-value]")));

        await customer.ReloadAsync();
        Assert.Equal("45 members", await Text(seats));
        var initech = (await browser.App.Get<EntitlementService>().ForCustomerAsync("initech"))!;
        Assert.Equal((1, 25L), (initech.Plan.Version, initech.For("max-members")!.Limit!.Value));

        await op.GotoAsync("/vendor/catalog");
        Assert.Equal("1 subscription", await Text(op.Locator("[data-testid=plan-version][data-code=business][data-version='1'] [data-testid=subscriptions]")));
        Assert.Equal("1 subscription", await Text(op.Locator("[data-testid=plan-version][data-code=business][data-version='2'] [data-testid=subscriptions]")));
    }

    public static TheoryData<string, string> Pages => new()
    {
        { "/vendor/catalog", "catalog" },
        { "/vendor/catalog/features", "feature-new" },
        { "/vendor/catalog/plans/1", "plan-edit" },
        { "/vendor/catalog/add-ons", "addon-new" },
        { "/vendor/customers", "customers" },
        { "/vendor/customers/acme", "subscription-inherited" },
        { "/vendor/customers/umbrella?tab=explicit", "subscription-explicit" },
        { "/vendor/customers/acme/plan?to=starter", "plan-change-preview" },
        { "/vendor/audit", "audit" },
        { "/vendor/analytics?feature=api-calls", "analytics" },
        { "/vendor/api-keys", "api-keys" },
    };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task OperatorPages_AtDesktopAndPhoneWidth_HaveNoSeriousAccessibilityViolations(string url, string name)
    {
        foreach (var phone in new[] { false, true })
        {
            var page = await browser.SignedIn(OperatorEmail, phone);
            var response = await page.GotoAsync(url);
            Assert.Equal(200, response!.Status);
            if (url.Contains("analytics", StringComparison.Ordinal))
                await page.WaitForFunctionAsync("() => window.Chart && Object.keys(Chart.instances).length === 3");
            await BrowserFixture.Screenshot(page, $"operator-{name}-{(phone ? "375" : "1280")}");
            await AssertAccessible(page, $"{url} at {(phone ? 375 : 1280)} px");
            var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
            Assert.False(overflow, $"{url} scrolls sideways at {(phone ? 375 : 1280)} px");
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task FormErrors_AreShownBesideTheField_AndAccessible()
    {
        var page = await browser.SignedIn(OperatorEmail);
        await page.GotoAsync("/vendor/catalog/plans");
        await page.GetByLabel("Code").FillAsync("Bad Code");
        await page.Locator("[data-testid=entitlement-row][data-handle=max-members] input.value-input").FillAsync("-5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create plan" }).ClickAsync();
        Assert.Contains("lowercase", await Text(page.Locator("[data-valmsg-for='Input.Code']")));
        await BrowserFixture.Screenshot(page, "operator-plan-errors-1280");
        await AssertAccessible(page, "plan form with errors");

        await page.GotoAsync("/vendor/api-keys");
        await page.GetByLabel("Name").FillAsync("Screenshot key");
        await page.GetByLabel("usage:write").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        Assert.StartsWith("ss_", await page.GetByTestId("plaintext-key").InputValueAsync());
        await BrowserFixture.Screenshot(page, "operator-api-key-created-1280");
        await AssertAccessible(page, "API key created");
    }
}
