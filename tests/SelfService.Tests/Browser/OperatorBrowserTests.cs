using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using SelfService.Demo;
using SelfService.Entitlements;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Browser;

[Collection(BrowserFixture.Collection)]
public sealed class OperatorBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string OperatorEmail = DemoUsers.Operator;

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
        var customer = await browser.SignedIn(DemoUsers.AcmeMember);
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

    /// <summary>Every staff page (the ids {request} and {endpoint} are made by the test), and who opens it.</summary>
    public static TheoryData<string, string, string> Pages => new()
    {
        { "/vendor/approvals", "approvals-queue", ApproverEmail },
        { "/vendor/approvals/{request}", "approval-detail", ApproverEmail },
        { "/vendor/catalog", "catalog", OperatorEmail },
        { "/vendor/catalog/features", "feature-new", OperatorEmail },
        { "/vendor/catalog/features/2", "feature-edit", OperatorEmail },
        { "/vendor/catalog/plans/1", "plan-edit", OperatorEmail },
        { "/vendor/catalog/add-ons", "addon-new", OperatorEmail },
        { "/vendor/catalog/regions", "regions", OperatorEmail },
        { "/vendor/catalog/add-ons/1", "addon-edit", OperatorEmail },
        { "/vendor/customers", "customers", OperatorEmail },
        { "/vendor/customers/new", "customer-new", OperatorEmail },
        { "/vendor/customers/acme/people", "customer-people", OperatorEmail },
        { "/vendor/customers/acme", "subscription-inherited", OperatorEmail },
        { "/vendor/customers/umbrella?tab=explicit", "subscription-explicit", OperatorEmail },
        { "/vendor/customers/acme/plan?to=starter", "plan-change-preview", OperatorEmail },
        { "/vendor/audit", "audit", OperatorEmail },
        { "/vendor/analytics?feature=api-calls", "analytics", OperatorEmail },
        { "/vendor/api-keys", "api-keys", OperatorEmail },
        { "/vendor/webhooks", "webhooks", OperatorEmail },
        { "/vendor/webhooks/{endpoint}", "webhook-endpoint", OperatorEmail },
    };

    private const string ApproverEmail = DemoUsers.Approver;

    /// <summary>
    /// At 1280 and 390 px: no serious accessibility finding, no sideways scroll, and the stylesheet's rules for every
    /// screen apply (a block left open once made them phone-only: operator forms showed browser-default fieldsets).
    /// </summary>
    [Theory]
    [MemberData(nameof(Pages))]
    public async Task StaffPages_AtDesktopAndPhoneWidth_AreStyled_Accessible_AndDoNotScrollSideways(string url, string name, string email)
    {
        url = url.Replace("{request}", (await PendingRequest()).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                 .Replace("{endpoint}", (await Endpoint()).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        foreach (var width in new[] { 1280, 390 })
        {
            var page = await browser.SignedIn(email, width);
            var missing = new List<string>();
            page.Response += (_, r) => { if (r.Status == 404) missing.Add(r.Url); };
            var response = await page.GotoAsync(url);
            Assert.Equal(200, response!.Status);
            if (url.Contains("analytics", StringComparison.Ordinal))
                await page.WaitForFunctionAsync("() => window.Chart && Object.keys(Chart.instances).length === 3");
            await BrowserFixture.Screenshot(page, $"staff-{name}-{width}");
            await AssertAccessible(page, $"{url} at {width} px");
            var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
            Assert.False(overflow, $"{url} scrolls sideways at {width} px");
            // .visually-hidden is written for every screen, after the phone block of the requests section.
            Assert.Equal("1px", await page.EvaluateAsync<string>("() => { const e = document.createElement('span'); e.className = 'visually-hidden'; document.body.append(e); const w = getComputedStyle(e).width; e.remove(); return w; }"));
            Assert.True(missing.Count == 0, $"{url}: 404 for {string.Join(", ", missing)}"); // the favicon once was
            if (name == "approval-detail")
            {
                // The decision first, the customer's usage after it and collapsed (Approve once sat 4,200 px down on a phone).
                var approveTop = (await page.GetByTestId("approve").BoundingBoxAsync())!.Y;
                Assert.True(approveTop < 1600, $"Approve is {approveTop} px down at {width} px");
                Assert.False(await page.GetByTestId("usage").EvaluateAsync<bool>("d => d.open"));
                Assert.True(await page.EvaluateAsync<bool>("() => !!(document.querySelector('[data-testid=decide]').compareDocumentPosition(document.querySelector('[data-testid=usage]')) & Node.DOCUMENT_POSITION_FOLLOWING)"));
            }
            var fieldsetBorder = await page.EvaluateAsync<string?>("() => { const f = document.querySelector('fieldset.field, fieldset.entitlement-rows'); return f ? getComputedStyle(f).borderTopStyle : null; }");
            Assert.True(fieldsetBorder is null or "none", $"{url} at {width} px: a form's fieldset has the browser's default border");
            await page.Context.CloseAsync();
        }
    }

    /// <summary>The analytics charts keep their height: they once grew with every resize (722 px after 1 s, 6,468 px after 30 s).</summary>
    [Fact]
    public async Task AnalyticsCharts_KeepTheirHeight()
    {
        foreach (var width in new[] { 1280, 390 })
        {
            var page = await browser.SignedIn(OperatorEmail, width);
            await page.GotoAsync("/vendor/analytics?feature=api-calls");
            await page.WaitForFunctionAsync("() => window.Chart && Object.keys(Chart.instances).length === 3");
            const string Heights = "() => [...document.querySelectorAll('.chart canvas')].map(c => Math.round(c.getBoundingClientRect().height))";
            var first = await page.EvaluateAsync<int[]>(Heights);
            await page.WaitForTimeoutAsync(1500);
            var later = await page.EvaluateAsync<int[]>(Heights);
            Assert.Equal(first, later);
            Assert.All(later, h => Assert.InRange(h, 150, 300));
            await page.Context.CloseAsync();
        }
    }

    private static long? _pendingRequest;
    private static long? _endpoint;

    private async Task<long> PendingRequest() => _pendingRequest ??= (await Requests.RequestTestKit.Ask(browser.App, DemoUsers.GlobexOwner,
        new SelfService.Requests.RequestDraft { Kind = SelfService.Requests.RequestKind.AddOn, AddOnCode = "extra-seats", Quantity = 1 })).Id;

    private async Task<long> Endpoint() => _endpoint ??= (await browser.App.Get<SelfService.Webhooks.WebhookEndpointStore>().CreateAsync(
        new SelfService.Webhooks.EndpointChange("https://billing.example/hooks/selfservice", ["entitlements.changed"], true, "Billing"), DemoUsers.Operator)).Endpoint.Id;

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
        var keys = await page.GetByTestId("key").CountAsync();
        await BrowserFixture.Screenshot(page, "operator-api-key-created-1280");
        await AssertAccessible(page, "API key created");
        await page.ReloadAsync(); // after the redirect: no second key, and the first is not shown again
        Assert.Equal(0, await page.GetByTestId("created-key").CountAsync());
        Assert.Equal(keys, await page.GetByTestId("key").CountAsync());
    }

    /// <summary>
    /// The add-on quantities and status forms of a subscription at desktop and phone width: a quantity over the
    /// maximum shows its message beside the field, and cancelling shows what it does and asks first, all by keyboard.
    /// </summary>
    [Fact]
    public async Task SubscriptionControls_ShowTheFieldMessage_AndConfirmBeforeCancelling_AtDesktopAndPhoneWidth()
    {
        foreach (var width in new[] { 1280, 390 })
        {
            var page = await browser.SignedIn(OperatorEmail, width);
            await page.GotoAsync("/vendor/customers/initech");
            var seats = page.Locator("[data-testid=quantity-row][data-code=extra-seats] [data-testid=quantity]");
            await seats.FillAsync("11");
            await page.Locator("#addons-reason").FillAsync("Hiring wave");
            await page.Locator("#addons-reason").PressAsync("Enter");
            await Expect(page.Locator("[data-testid=quantity-row][data-code=extra-seats] [data-testid=quantity-error]")).ToHaveTextAsync("At most 10 of Extra Seats.");
            Assert.Equal("11", await page.Locator("[data-testid=quantity-row][data-code=extra-seats] [data-testid=quantity]").InputValueAsync());
            await page.GetByTestId("addons-card").ScrollIntoViewIfNeededAsync();
            await BrowserFixture.Screenshot(page, $"staff-subscription-quantity-error-{width}");
            await AssertAccessible(page, $"quantity error at {width} px");

            await page.Locator("#status-reason").FillAsync("Customer left");
            await page.GetByTestId("cancel").FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.GetByTestId("confirm-cancel")).ToBeVisibleAsync();
            Assert.Equal("active", await Text(page.GetByTestId("status")));
            await BrowserFixture.Screenshot(page, $"staff-subscription-confirm-cancel-{width}");
            await AssertAccessible(page, $"cancel confirmation at {width} px");
            var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
            Assert.False(overflow, $"the subscription page scrolls sideways at {width} px");
            await page.GetByTestId("keep-subscription").ClickAsync();
            Assert.Equal("active", await Text(page.GetByTestId("status")));
            await page.Context.CloseAsync();
        }
    }

    /// <summary>The approvals queue past one page, filtered: its range, its pager and its filters at desktop and phone width.</summary>
    [Fact]
    public async Task ApprovalsQueue_PastOnePage_ShowsItsRangeAndPager_AtDesktopAndPhoneWidth()
    {
        await SelfService.Tests.Pages.LongListKit.Requests(browser.App, "initech", DemoUsers.InitechOwner, 95, browser.App.Now.AddDays(-2));
        foreach (var width in new[] { 1280, 390 })
        {
            var page = await browser.SignedIn(ApproverEmail, width);
            await page.GotoAsync("/vendor/approvals?q=initech&age=1d");
            await page.GetByTestId("next").ClickAsync();
            await Expect(page.GetByTestId("page-range")).ToContainTextAsync("41–80 of");
            Assert.Equal("initech", await page.Locator("#f-q").InputValueAsync());
            Assert.Equal("1d", await page.Locator("#f-age").InputValueAsync());
            await BrowserFixture.Screenshot(page, $"staff-approvals-page-2-{width}");
            await AssertAccessible(page, $"approvals page 2 at {width} px");
            var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
            Assert.False(overflow, $"the queue scrolls sideways at {width} px");
            await page.Context.CloseAsync();
        }
    }
}
