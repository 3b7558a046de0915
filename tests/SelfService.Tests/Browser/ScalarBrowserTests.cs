using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Browser;

/// <summary>The API reference as a developer integrating with SelfService opens it.</summary>
[Collection(BrowserFixture.Collection)]
public sealed class ScalarBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ApiReference_RendersTheIntegrationEndpoints_WithoutCspErrors(bool phone)
    {
        var page = await browser.NewPage(phone);
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };

        await page.GotoAsync("/scalar");
        await page.GetByRole(AriaRole.Heading, new() { Name = "SelfService API" }).First.WaitForAsync(new() { Timeout = 30_000 });
        Assert.True(await page.GetByText("May the customer use this feature").CountAsync() > 0);
        await BrowserFixture.Screenshot(page, phone ? "scalar-phone" : "scalar-desktop");

        Assert.DoesNotContain(errors, e => e.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
        var axe = await page.RunAxe();
        var serious = axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Take(3).Select(n => n.Html))}").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious));
    }
}
