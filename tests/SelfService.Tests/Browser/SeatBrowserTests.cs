using Microsoft.Playwright;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace SelfService.Tests.Browser;

/// <summary>Assigned seats on the team page, in Chromium: Acme's Owner gives its Member a seat with the keyboard only.</summary>
[Collection(BrowserFixture.Collection)]
public sealed class SeatBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData(1280)]
    [InlineData(390)]
    public async Task Owner_AssignsASeatByKeyboard_AndTheHolderIsListedWithLabelledCells(int width)
    {
        var page = await browser.SignedIn(DemoUsers.AcmeOwner, width);
        await page.GotoAsync("/customers/acme/team");
        var pool = page.Locator("[data-testid=seat-pool][data-handle=max-members]");
        var mia = pool.Locator($"[data-testid=holder][data-email='{DemoUsers.AcmeMember}']");
        if (await mia.CountAsync() > 0)
        {
            // The other width's run gave Mia the seat: take it back, by keyboard too.
            await mia.GetByTestId("unassign").FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await page.GetByTestId("flash").WaitForAsync();
        }
        await Expect(pool.GetByTestId("seats")).ToContainTextAsync("2 of 40 seats assigned");

        await pool.GetByLabel("Give a seat to (e-mail address of a person of the team)").FocusAsync();
        await page.Keyboard.TypeAsync(DemoUsers.AcmeMember);
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Assign seat", await page.EvaluateAsync<string>("document.activeElement.textContent.trim()"));
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.GetByTestId("flash")).ToContainTextAsync($"{DemoUsers.AcmeMember} now holds a seat");
        await Expect(pool.GetByTestId("seats")).ToContainTextAsync("3 of 40 seats assigned");
        await Expect(mia.GetByTestId("holder-state")).ToHaveTextAsync("Holds a seat");
        var person = page.Locator($"[data-testid=person][data-email='{DemoUsers.AcmeMember}']");
        await Expect(person.GetByTestId("person-seats")).ToHaveTextAsync("Team members");
        if (width < 700)
        {
            // Stacked on a phone, every cell says what it is.
            var label = await person.GetByTestId("person-role").EvaluateAsync<string>("e => getComputedStyle(e, '::before').content");
            Assert.Equal("\"Role: \"", label);
            Assert.Equal("\"Seat: \"", await mia.GetByTestId("holder-state").EvaluateAsync<string>("e => getComputedStyle(e, '::before').content"));
        }
        await BrowserFixture.Screenshot(page, width < 700 ? "team-seats-phone" : "team-seats-desktop");
        await BrowserFixture.AssertAccessible(page);
    }
}
