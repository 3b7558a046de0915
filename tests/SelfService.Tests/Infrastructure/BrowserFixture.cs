using Deque.AxeCore.Playwright;
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
public class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Browser test classes run one after another: two browsers and two apps at once starve a 2-core machine.</summary>
    public const string Collection = "Browser";

    public AppFactory App { get; } = new();
    public string BaseUrl { get; private set; } = "";
    public IBrowser Browser { get; private set; } = null!;
    private IPlaywright? _playwright;

    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>Settings for the app before it starts.</summary>
    protected virtual void Configure(AppFactory app) { }

    public async Task InitializeAsync()
    {
        Configure(App);
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
    public Task<IPage> NewPage(bool phone = false) => NewPage(phone ? 375 : 1280);

    /// <summary>A fresh browser context <paramref name="width"/> CSS pixels wide (a phone's height below 700).</summary>
    public async Task<IPage> NewPage(int width)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = width < 700 ? 812 : 900 },
            AcceptDownloads = true,
        });
        return await context.NewPageAsync();
    }

    public Task<IPage> SignedIn(string email, bool phone = false) => SignedIn(email, phone ? 375 : 1280);

    public async Task<IPage> SignedIn(string email, int width)
    {
        var page = await NewPage(width);
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

    /// <summary>Fails with every serious or critical axe finding on the page.</summary>
    public static async Task AssertAccessible(IPage page)
    {
        var axe = await page.RunAxe();
        var serious = axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Html))}").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious));
    }

    public static Task Screenshot(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });

    public virtual async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        App.Dispose();
    }
}

/// <summary>The browser fixture with the app's mail going to a real SMTP server on loopback.</summary>
public sealed class MailBrowserFixture : BrowserFixture
{
    public SmtpSink Smtp { get; } = new();

    protected override void Configure(AppFactory app) => Smtp.Configure(app);

    /// <summary>Runs the delivery job (the test host runs no job server), then waits for the message to arrive.</summary>
    public async Task<MimeKit.MimeMessage> MailTo(string address, int count = 1)
    {
        await App.Get<SelfService.Mail.MailDelivery>().DeliverDueAsync(CancellationToken.None);
        return await Smtp.WaitFor(address, count);
    }

    /// <summary>The one link in the message that leads to <paramref name="pathPrefix"/>, made relative to the app's address.</summary>
    public static string LinkPath(MimeKit.MimeMessage message, string pathPrefix)
    {
        var link = System.Text.RegularExpressions.Regex.Matches(message.TextBody ?? "", @"https?://\S+")
            .Select(m => new Uri(m.Value).PathAndQuery).Distinct().Single(p => p.StartsWith(pathPrefix, StringComparison.Ordinal));
        return link;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}
