using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Browser;

/// <summary>The customer portal in Chromium: charts drawn under the strict CSP, period switching, CSV, prompts, every page at both widths.</summary>
[Collection(BrowserFixture.Collection)]
public sealed class PortalBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string CanvasHasInk = """
        c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
               let inked = 0; for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) inked++;
               return inked; }
        """;

    private static async Task AssertChartsDrawn(IPage page)
    {
        Assert.True(await page.EvaluateAsync<bool>("() => typeof window.Chart === 'function'"), "Chart.js did not load");
        var canvases = page.Locator("canvas[data-testid=chart]");
        var count = await canvases.CountAsync();
        Assert.True(count > 0, "no chart on the page");
        for (var i = 0; i < count; i++)
        {
            var canvas = canvases.Nth(i);
            Assert.Equal("true", await canvas.GetAttributeAsync("data-drawn"));
            Assert.True(await canvas.EvaluateAsync<int>(CanvasHasInk) > 500, $"chart {i} is blank");
        }
    }

    private static async Task AssertAccessible(IPage page)
    {
        var axe = await page.RunAxe();
        var serious = axe.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Html))}").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious));
    }

    [Fact]
    public async Task UsagePage_DrawsEveryChart_UnderTheStrictPolicy_AndSwitchesPeriod()
    {
        var page = await browser.SignedIn(DemoUsers.AcmeOwner);
        var cspErrors = new List<string>();
        page.Console += (_, m) => { if (m.Text.Contains("Content Security Policy", StringComparison.Ordinal)) cspErrors.Add(m.Text); };

        var response = await page.GotoAsync("/customers/acme/usage");
        var csp = await response!.HeaderValueAsync("content-security-policy");
        Assert.Contains("script-src 'self';", csp);
        await AssertChartsDrawn(page);

        await page.SelectOptionAsync("#period", "previous");
        await page.GetByTestId("show").ClickAsync();
        await page.WaitForURLAsync(u => u.Contains("period=previous"));
        await AssertChartsDrawn(page);

        await page.SelectOptionAsync("#period", "12m");
        await page.GetByTestId("show").ClickAsync();
        await page.WaitForURLAsync(u => u.Contains("period=12m"));
        await AssertChartsDrawn(page);
        Assert.Empty(cspErrors);
    }

    [Fact]
    public async Task UsagePage_ExportsTheChartAsCsv()
    {
        var page = await browser.SignedIn(DemoUsers.AcmeAdmin);
        await page.GotoAsync("/customers/acme/usage?period=current&granularity=hour");
        var points = await page.EvaluateAsync<int>("() => JSON.parse(document.getElementById('chart-data-api-calls').textContent).values.length");

        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.Locator("[data-testid=usage-card][data-handle=api-calls] [data-testid=csv]").ClickAsync());
        var path = await download.PathAsync();
        var lines = (await File.ReadAllLinesAsync(path)).Where(l => l.Length > 0).ToList();

        Assert.EndsWith(".csv", download.SuggestedFilename);
        Assert.StartsWith("bucket_start_utc,feature,usage", lines[0]);
        Assert.Equal(points, lines.Count - 1);
    }

    [Fact]
    public async Task UpgradePrompt_LeadsToTheRequestForm()
    {
        var page = await browser.SignedIn(DemoUsers.AcmeOwner);
        await page.GotoAsync("/customers/acme/usage");

        await page.Locator("[data-testid=usage-card][data-handle=api-calls] [data-testid=upgrade-request]").ClickAsync();

        await page.WaitForURLAsync(u => u.Contains("/customers/acme/requests/new"));
        Assert.Contains("kind=addon", page.Url);
        Assert.Contains("code=api-calls-pack", page.Url);
        Assert.True(await page.Locator("main form[method=post]").CountAsync() > 0, "no request form");
    }

    /// <summary>The usage page's upgrade prompt (api-calls near its cap) at desktop and phone width: whole, readable, its link in reach.</summary>
    [Fact]
    public async Task UpgradePrompt_AtDesktopAndPhoneWidth_IsWholeAndItsLinkInReach()
    {
        foreach (var width in new[] { 1280, 390 })
        {
            var page = await browser.SignedIn(DemoUsers.AcmeOwner, width);
            await page.GotoAsync("/customers/acme/usage");
            var prompt = page.Locator("[data-testid=usage-card][data-handle=api-calls] [data-testid=upgrade-prompt]");
            await prompt.ScrollIntoViewIfNeededAsync();
            await prompt.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, $"portal-upgrade-prompt-{width}.png") });
            await BrowserFixture.Screenshot(page, $"portal-usage-with-prompt-{width}");
            var box = (await prompt.BoundingBoxAsync())!;
            Assert.True(box.X >= 0 && box.X + box.Width <= width, $"the prompt runs off the screen at {width} px: {box.X} + {box.Width}");
            var link = (await prompt.GetByTestId("upgrade-request").BoundingBoxAsync())!;
            Assert.True(link.X >= box.X && link.X + link.Width <= box.X + box.Width + 1, $"the request link sits outside the prompt at {width} px");
            Assert.Contains("API Calls Pack", await prompt.InnerTextAsync());
            await page.Context.CloseAsync();
        }
    }

    public static TheoryData<string, string> Pages => new()
    {
        { "overview", "/customers/acme" },
        { "entitlements", "/customers/acme/entitlements" },
        { "entitlements-granted", "/customers/acme/entitlements?tab=granted" },
        { "usage", "/customers/acme/usage" },
        { "notifications", "/customers/acme/notifications" },
    };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task EveryPortalPage_AtDesktopAndPhoneWidth_IsAccessible(string name, string url)
    {
        foreach (var phone in new[] { false, true })
        {
            var page = await browser.SignedIn(DemoUsers.AcmeMember, phone);
            await page.GotoAsync(url);
            if (name == "usage") await AssertChartsDrawn(page);
            await BrowserFixture.Screenshot(page, $"portal-{name}-{(phone ? "phone" : "desktop")}");
            await AssertAccessible(page);
            var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
            Assert.False(overflow, $"{name} scrolls sideways at {(phone ? 375 : 1280)} px");
        }
    }

    [Fact]
    public async Task Keyboard_ReachesThePeriodPickerAndPrompt()
    {
        var page = await browser.SignedIn(DemoUsers.AcmeOwner);
        await page.GotoAsync("/customers/acme/usage");
        var reached = new HashSet<string>();
        for (var i = 0; i < 40; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var id = await page.EvaluateAsync<string>("() => document.activeElement.id || document.activeElement.getAttribute('data-testid') || ''");
            reached.Add(id);
        }
        Assert.Contains("period", reached);
        Assert.Contains("granularity", reached);
        Assert.Contains("upgrade-request", reached);
    }
}
