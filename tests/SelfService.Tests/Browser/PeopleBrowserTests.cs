using Microsoft.Playwright;
using SelfService.Demo;
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
        var email = phone ? DemoUsers.InitechOwner : DemoUsers.HooliOwner;
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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OwnerInvites_TheInviteeJoinsFromTheMail_AdminRemovesThem_AndTheirOpenPageIsRefused(bool phone)
    {
        var suffix = phone ? "phone" : "desktop";
        var email = $"browser-{suffix}@example.com";

        // The Owner invites by keyboard: email, role, send.
        var owner = await browser.SignedIn(DemoUsers.AcmeOwner, phone);
        await owner.GotoAsync("/customers/acme/team");
        await owner.GetByLabel("Email").FocusAsync();
        await owner.Keyboard.TypeAsync(email);
        await owner.Keyboard.PressAsync("Tab");
        Assert.Equal("invite-role", await owner.EvaluateAsync<string>("document.activeElement.id"));
        await owner.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync("Admin");
        await owner.Keyboard.PressAsync("Tab");
        await owner.Keyboard.PressAsync("Enter");
        await owner.GetByTestId("flash").WaitForAsync();
        Assert.Contains(email, await owner.GetByTestId("invitations").InnerTextAsync());
        await BrowserFixture.Screenshot(owner, $"team-owner-{suffix}");
        await AssertAccessible(owner);

        // The invitee follows the link in the mail, chooses a name and a password, and is in.
        var link = MailBrowserFixture.LinkPath(await browser.MailTo(email), "/account/invitation/");
        var invitee = await browser.NewPage(phone);
        await invitee.GotoAsync(link);
        await BrowserFixture.Screenshot(invitee, $"invitation-{suffix}");
        await AssertAccessible(invitee);
        await invitee.GetByLabel("Your name").FillAsync("Bea Browser");
        await invitee.GetByLabel("Password").FillAsync("window garden thunder 9");
        await invitee.Keyboard.PressAsync("Enter");
        await invitee.GetByTestId("sign-out").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        Assert.EndsWith("/customers/acme", invitee.Url);
        await invitee.GetByRole(AriaRole.Link, new() { Name = "Team", Exact = true }).ClickAsync();
        await invitee.GetByTestId("people").WaitForAsync();
        Assert.Contains("Bea Browser", await invitee.GetByTestId("people").InnerTextAsync());
        await BrowserFixture.Screenshot(invitee, $"team-admin-{suffix}");
        Assert.Equal(404, (await invitee.GotoAsync("/customers/initech"))!.Status);
        await invitee.GotoAsync("/customers/acme/usage");

        // A Member sees the team without the forms.
        var member = await browser.SignedIn(DemoUsers.AcmeMember, phone);
        await member.GotoAsync("/customers/acme/team");
        Assert.Equal(0, await member.GetByTestId("invite-form").CountAsync());
        await BrowserFixture.Screenshot(member, $"team-member-{suffix}");
        await AssertAccessible(member);

        // The Admin removes them (a confirmation first); their open page is refused at the next request.
        var admin = await browser.SignedIn(DemoUsers.AcmeAdmin, phone);
        await admin.GotoAsync("/customers/acme/team");
        var row = admin.Locator($"[data-testid=person][data-email='{email}']");
        await row.GetByText("Remove…").ClickAsync();
        await BrowserFixture.Screenshot(admin, $"team-remove-confirm-{suffix}");
        await row.GetByTestId("remove").ClickAsync();
        await admin.GetByTestId("flash").WaitForAsync();
        Assert.Contains("was removed", await admin.GetByTestId("flash").InnerTextAsync());

        await invitee.ReloadAsync();
        Assert.Contains("/account/sign-in", invitee.Url);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Operator_CreatesACustomer_AndItsFirstOwnerGetsIn(bool phone)
    {
        var suffix = phone ? "phone" : "desktop";
        var op = await browser.SignedIn(DemoUsers.Operator, phone);
        await op.GotoAsync("/vendor/customers");
        await op.GetByTestId("new-customer-link").ClickAsync();
        await op.GetByLabel("Key").FillAsync($"daily-{suffix}");
        await op.GetByLabel("Name", new() { Exact = true }).FillAsync($"Daily Planet {suffix}");
        await op.GetByLabel("Plan").SelectOptionAsync("starter");
        await op.GetByLabel("First Owner's email").FillAsync($"perry-{suffix}@planet.example");
        await BrowserFixture.Screenshot(op, $"staff-new-customer-{suffix}");
        await AssertAccessible(op);
        await op.GetByRole(AriaRole.Button, new() { Name = "Create and invite" }).ClickAsync();
        await op.GetByTestId("flash").WaitForAsync();
        Assert.Contains($"/vendor/customers/daily-{suffix}/people", op.Url);
        await BrowserFixture.Screenshot(op, $"staff-people-{suffix}");
        await AssertAccessible(op);

        var link = MailBrowserFixture.LinkPath(await browser.MailTo($"perry-{suffix}@planet.example"), "/account/invitation/");
        var owner = await browser.NewPage(phone);
        await owner.GotoAsync(link);
        await owner.GetByLabel("Your name").FillAsync("Perry White");
        await owner.GetByLabel("Password").FillAsync("great caesars ghost");
        await owner.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Join") }).ClickAsync();
        await owner.GetByTestId("sign-out").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        Assert.EndsWith($"/customers/daily-{suffix}", owner.Url);
    }
}
