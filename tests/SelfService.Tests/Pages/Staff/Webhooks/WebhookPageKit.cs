using SelfService.Tests.Infrastructure;
using SelfService.Tests.Webhooks;

namespace SelfService.Tests.Pages.Staff.Webhooks;

/// <summary>What the webhook page tests share: an app on the database under test and a real receiver on loopback.</summary>
public abstract class WebhookPageKit(TestDatabase database) : IAsyncLifetime
{
    protected readonly WebhookApp _app = new() { Database = database };
    protected WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _app.Dispose();
    }
}
