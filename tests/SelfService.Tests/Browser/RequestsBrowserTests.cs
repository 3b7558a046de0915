using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Browser;

/// <summary>The whole path in a real browser: a Member asks, their Admin approves the spend, a vendor Approver approves.</summary>
[Collection(BrowserFixture.Collection)]
public sealed class RequestsBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MemberAsksForExtraSeats_AdminThenApproverApprove_MaxMembersRisesByTwentyAtOnce(bool phone)
    {
        var suffix = phone ? "phone" : "desktop";
        var member = await browser.SignedIn(DemoUsers.AcmeMember, phone);
        var before = await MaxMembers(member);

        await member.GotoAsync("/customers/acme/requests/new?kind=addon&code=extra-seats&quantity=2");
        await Expect(member.Locator("[data-testid=impact]")).ToContainTextAsync($"{before} members → {before + 20} members");
        await member.GetByLabel("Why you need it").FillAsync("Twenty new engineers start in December.");
        await Serious(member);
        await BrowserFixture.Screenshot(member, $"request-new-{suffix}");
        await member.GetByRole(AriaRole.Button, new() { Name = "Send request" }).ClickAsync();
        await Expect(member.Locator("[data-testid=request-state]")).ToHaveTextAsync("Waiting for an Owner or Admin");
        var url = member.Url;
        var id = url.Split('/').Last().Split('?')[0];

        var admin = await browser.SignedIn(DemoUsers.AcmeAdmin, phone);
        await admin.GotoAsync($"/customers/acme/requests/{id}");
        await Serious(admin);
        await BrowserFixture.Screenshot(admin, $"request-approve-spend-{suffix}");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Approve the spend" }).ClickAsync();
        await Expect(admin.Locator("[data-testid=request-state]")).ToHaveTextAsync("Waiting for the vendor");

        var approver = await browser.SignedIn(DemoUsers.Approver, phone);
        await approver.GotoAsync("/vendor/approvals");
        await Expect(approver.Locator("[data-testid=approvals-waiting]")).ToBeVisibleAsync();
        await Serious(approver);
        await BrowserFixture.Screenshot(approver, $"approvals-queue-{suffix}");
        await approver.Locator($"[data-testid=queue-row][data-id='{id}'] a").ClickAsync();
        await Expect(approver.Locator("[data-testid=impact-row][data-handle=max-members] [data-testid=impact-after]")).ToHaveTextAsync($"{before + 20} members");
        await Serious(approver);
        await BrowserFixture.Screenshot(approver, $"approval-detail-{suffix}");
        await approver.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
        await Expect(approver.Locator("[data-testid=request-state]")).ToHaveTextAsync("Approved");

        // At once: no job runs in the test host.
        Assert.Equal(before + 20, await MaxMembers(member));

        await member.GotoAsync("/customers/acme/audit");
        var trail = member.Locator("[data-testid=audit-entry]");
        await Expect(trail.Filter(new() { HasText = $"request #{id}" }).Filter(new() { HasText = "Customer approved" })).ToHaveCountAsync(1);
        await Expect(trail.Filter(new() { HasText = $"request #{id}" }).Filter(new() { HasText = "Request approved" })).ToHaveCountAsync(1);
        await Expect(trail.Filter(new() { HasText = "Subscription add on changed" }).First).ToBeVisibleAsync();
        await Serious(member);
        await BrowserFixture.Screenshot(member, $"audit-{suffix}");

        await member.GotoAsync("/customers/acme/requests");
        await Serious(member);
        await BrowserFixture.Screenshot(member, $"requests-{suffix}");
    }

    /// <summary>
    /// Keyboard only: the justification typed first survives choosing the add-on with ArrowDown (which once reloaded the
    /// page, moved focus to the top and erased it) and typing the quantity; the preview and price follow each key.
    /// </summary>
    [Theory]
    [InlineData(1280)]
    [InlineData(390)]
    public async Task KeyboardOnlyRequest_KeepsTheJustification_AndThePreviewFollowsTheTypedQuantity(int width)
    {
        var owner = await browser.SignedIn(DemoUsers.GlobexOwner, width);
        await owner.GotoAsync("/customers/globex/requests/new?kind=addon");
        var url = owner.Url;
        var why = owner.GetByLabel("Why you need it");
        await why.FocusAsync();
        await owner.Keyboard.TypeAsync("Twenty engineers start in December.");
        await Expect(owner.GetByTestId("preview-button")).ToBeHiddenAsync(); // the script previews as you go

        await owner.Keyboard.PressAsync("Shift+Tab"); // How many to add
        await owner.Keyboard.PressAsync("Shift+Tab"); // Add-on
        await Expect(owner.GetByLabel("Add-on")).ToBeFocusedAsync();
        // ArrowDown through the list to Extra Seats: every step changes the value, and each once reloaded the page.
        var steps = await owner.GetByLabel("Add-on").EvaluateAsync<int>("s => [...s.options].findIndex(o => o.value === 'extra-seats') - s.selectedIndex");
        Assert.True(steps > 0);
        for (var i = 0; i < steps; i++) await owner.Keyboard.PressAsync("ArrowDown");
        await Expect(owner.GetByLabel("Add-on")).ToHaveValueAsync("extra-seats");
        await Expect(owner.GetByTestId("impact")).ToContainTextAsync("5 members → 15 members");
        await Expect(owner.GetByTestId("price")).ToHaveTextAsync("Extra Seats × 1: +$20 / month");
        Assert.Equal(url, owner.Url);
        await Expect(owner.GetByLabel("Add-on")).ToBeFocusedAsync();
        await Expect(why).ToHaveValueAsync("Twenty engineers start in December.");

        await owner.Keyboard.PressAsync("Tab");
        await owner.Keyboard.PressAsync("Control+A");
        await owner.Keyboard.TypeAsync("2");
        await Expect(owner.GetByTestId("impact")).ToContainTextAsync("5 members → 25 members");
        await Expect(owner.GetByTestId("price")).ToHaveTextAsync("Extra Seats × 2: +$40 / month");
        await Expect(why).ToHaveValueAsync("Twenty engineers start in December.");
        await Serious(owner);
        await BrowserFixture.Screenshot(owner, $"request-keyboard-{width}");

        await owner.Keyboard.PressAsync("Tab"); // Why you need it
        await owner.Keyboard.PressAsync("Tab"); // Send request
        await Expect(owner.GetByTestId("submit")).ToBeFocusedAsync();
        await owner.Keyboard.PressAsync("Enter");
        await Expect(owner.Locator("[data-testid=request-title]")).ToContainTextAsync("Extra Seats");
        await Expect(owner.Locator(".justification, [data-testid=justification]").First).ToContainTextAsync("Twenty engineers start in December.");
        var id = owner.Url.Split('/').Last().Split('?')[0];

        var approver = await browser.SignedIn(DemoUsers.Approver, width);
        await approver.GotoAsync($"/vendor/approvals/{id}");
        await Expect(approver.Locator("[data-testid=impact-row][data-handle=max-members] [data-testid=impact-after]")).ToHaveTextAsync("25 members");
        await Serious(approver);
        await BrowserFixture.Screenshot(approver, $"approval-detail-keyboard-{width}");
        await approver.GetByTestId("reject").ScrollIntoViewIfNeededAsync();
        await approver.GetByLabel("Reason for rejecting").FillAsync("Test over");
        await approver.GetByTestId("reject").ClickAsync(); // leaves no pending request for the next width's run
        await Expect(approver.Locator("[data-testid=request-state]")).ToHaveTextAsync("Rejected");
    }

    [Fact]
    public async Task OwnerExtendsEndingAccess_InOneClick()
    {
        var owner = await browser.SignedIn(DemoUsers.UmbrellaOwner);
        await owner.GotoAsync("/customers/umbrella/requests");
        await Expect(owner.Locator("[data-testid=ending-grant]")).ToContainTextAsync("4K streaming");
        await BrowserFixture.Screenshot(owner, "requests-ending-desktop");

        await owner.Locator("[data-testid=extend]").First.ClickAsync();

        await Expect(owner.Locator("[data-testid=request-title]")).ToHaveTextAsync("4K streaming for 7 days");
        await Expect(owner.Locator("[data-testid=request-state]")).ToHaveTextAsync("Waiting for the vendor");
    }

    private static async Task<int> MaxMembers(IPage page)
    {
        await page.GotoAsync("/customers/acme/entitlements");
        var text = await page.Locator("[data-testid=entitlement][data-handle=max-members] [data-testid=entitlement-value]").InnerTextAsync();
        return int.Parse(text.Split(' ')[0].Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task Serious(IPage page)
    {
        var axe = await page.RunAxe();
        var serious = axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Html))}").ToList();
        Assert.True(serious.Count == 0, page.Url + "\n" + string.Join("\n", serious));
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
