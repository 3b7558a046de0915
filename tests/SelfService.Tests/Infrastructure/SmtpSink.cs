using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using SmtpResponse = SmtpServer.Protocol.SmtpResponse;

namespace SelfService.Tests.Infrastructure;

/// <summary>
/// A real SMTP server on a free loopback port (the SmtpServer package) that keeps every message it accepts, so a
/// test reads what a person's mailbox would have received.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private readonly Store _store = new();

    public int Port { get; }

    public SmtpSink()
    {
        Port = FreePort();
        var options = new SmtpServerOptionsBuilder().ServerName("localhost").Endpoint(b => b.Endpoint(new IPEndPoint(IPAddress.Loopback, Port))).Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(_store);
        var server = new SmtpServer.SmtpServer(options, services);
        _running = server.StartAsync(_stop.Token);
    }

    /// <summary>The settings that point the app at this server.</summary>
    public void Configure(AppFactory app)
    {
        app.Settings["SelfService:Mail:SmtpHost"] = "127.0.0.1";
        app.Settings["SelfService:Mail:SmtpPort"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        app.Settings["SelfService:Mail:SmtpSecurity"] = "none";
        app.Settings["SelfService:Mail:From"] = "Acme Portal <portal@vendor.example>";
    }

    public IReadOnlyList<MimeMessage> Messages => _store.Messages.ToArray();

    public IReadOnlyList<MimeMessage> To(string address) =>
        Messages.Where(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase))).ToList();

    /// <summary>Waits for the <paramref name="count"/>th message to <paramref name="address"/> (delivery is a job).</summary>
    public async Task<MimeMessage> WaitFor(string address, int count = 1, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < until)
        {
            var got = To(address);
            if (got.Count >= count) return got[count - 1];
            await Task.Delay(50);
        }
        throw new TimeoutException($"No message {count} to {address} arrived; the server holds {Messages.Count} for [{string.Join(", ", Messages.SelectMany(m => m.To.Mailboxes).Select(b => b.Address))}].");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _running; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }

    private sealed class Store : MessageStore
    {
        public ConcurrentQueue<MimeMessage> Messages { get; } = new();

        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken ct)
        {
            await using var stream = new MemoryStream(buffer.ToArray());
            Messages.Enqueue(await MimeMessage.LoadAsync(stream, ct));
            return SmtpResponse.Ok;
        }
    }
}
