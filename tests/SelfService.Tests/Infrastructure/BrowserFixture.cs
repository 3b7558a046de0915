using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace SelfService.Tests.Infrastructure;

/// <summary>
/// The app on a real loopback Kestrel port and Debian's Chromium driven by Playwright: what a person's
/// browser sees. One per test class. Screenshots go to <c>tests/SelfService.Tests/bin/screenshots</c>.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Browser test classes run one after another: two browsers and two apps at once starve a 2-core machine.</summary>
    public const string Collection = "Browser";

    public AppFactory App { get; } = new();
    public string BaseUrl { get; private set; } = "";
    public IBrowser Browser { get; private set; } = null!;
    private IPlaywright? _playwright;

    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        App.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        App.StartServer();
        BaseUrl = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"Browser tests need Chromium at {ChromiumPath}: apt-get install chromium");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
        Directory.CreateDirectory(ScreenshotFolder);
    }

    /// <summary>A fresh browser context (its own cookies) at desktop or phone width.</summary>
    public async Task<IPage> NewPage(bool phone = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = phone ? new ViewportSize { Width = 375, Height = 812 } : new ViewportSize { Width = 1280, Height = 900 },
            AcceptDownloads = true,
        });
        return await context.NewPageAsync();
    }

    public async Task<IPage> SignedIn(string email, bool phone = false)
    {
        var page = await NewPage(phone);
        await page.GotoAsync("/account/sign-in");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(PageClient.DemoPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Wait for the signed-in layout's sign-out form to be in the DOM, not for a lifecycle event: under a loaded
        // machine Chromium now and then reported the network idle yet never "load" nor "DOMContentLoaded" for the
        // redirect's document, and a wait on either timed out after a sign-in that had worked (CI, stop 18).
        await page.WaitForURLAsync(url => !url.Contains("/account/sign-in"), new() { WaitUntil = WaitUntilState.Commit });
        await page.GetByTestId("sign-out").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return page;
    }

    public static Task Screenshot(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        App.Dispose();
    }
}
