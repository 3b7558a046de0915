using System.Text.RegularExpressions;
using MimeKit;
using SelfService.Mail;

namespace SelfService.Tests.Infrastructure;

/// <summary>
/// The app with its mail going to a real SMTP server on loopback, and links in mail under a public address that is
/// not the test server's: a test follows a link by its path, as a person's browser would follow it to the portal.
/// </summary>
public sealed partial class MailApp : IAsyncLifetime
{
    public const string PublicBase = "https://portal.example.com/";

    public SmtpSink Smtp { get; } = new();
    public AppFactory App { get; } = new();

    public MailApp()
    {
        Smtp.Configure(App);
        App.Settings["SelfService:PublicUrl"] = PublicBase;
    }

    public Task InitializeAsync()
    {
        _ = App.Services;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        App.Dispose();
        await Smtp.DisposeAsync();
    }

    /// <summary>Runs the delivery job (the test host runs no job server), then waits for the message to arrive.</summary>
    public async Task<MimeMessage> MailTo(string address, int count = 1)
    {
        await App.Get<MailDelivery>().DeliverDueAsync(CancellationToken.None);
        return await Smtp.WaitFor(address, count);
    }

    /// <summary>The path of the one portal link in the message's text body that starts with <paramref name="pathPrefix"/>.</summary>
    public static string LinkPath(MimeMessage message, string pathPrefix)
    {
        var links = PortalLink().Matches(message.TextBody ?? "").Select(m => "/" + m.Groups[1].Value).Where(p => p.StartsWith(pathPrefix, StringComparison.Ordinal)).Distinct().ToList();
        Assert.True(links.Count == 1, $"Expected one {pathPrefix} link in:\n{message.TextBody}");
        Assert.Contains($"href=\"{PublicBase}{links[0].TrimStart('/')}\"", message.HtmlBody);
        return links[0];
    }

    [GeneratedRegex(@"https://portal\.example\.com/(\S+)")]
    private static partial Regex PortalLink();
}
