using System.Net;
using System.Net.Sockets;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using SelfService.Accounts;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Accounts;

/// <summary>
/// The app on real Kestrel, reached from different loopback source addresses (127.0.0.x), so each client has its own
/// client address as a stranger and the owner would.
/// </summary>
public abstract class ThrottleTests : IDisposable
{
    private readonly AppFactory _app;
    private readonly string _baseUrl;

    protected ThrottleTests(TestDatabase database)
    {
        _app = new() { Database = database };
        _app.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _app.StartServer();
        _baseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public void Dispose() => _app.Dispose();

    private PageClient From(string sourceAddress)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            CookieContainer = new CookieContainer(),
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(sourceAddress), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new PageClient(new HttpClient(handler) { BaseAddress = new Uri(_baseUrl) });
    }

    [SkippableFact]
    public async Task AStrangers20FailedSignIns_DoNotStopTheOwnerSigningInFromTheirOwnAddress()
    {
        var stranger = From("127.0.0.7");
        var delays = new List<int>();
        for (var failures = 0; failures < 20;)
        {
            var attempt = await stranger.SignIn(DemoUsers.AcmeOwner, "guess-" + failures);
            if (attempt.StatusCode == HttpStatusCode.TooManyRequests)
            {
                // A patient stranger waits as told, and is told to wait longer each time.
                var wait = int.Parse(attempt.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture);
                delays.Add(wait);
                _app.Clock.Advance(TimeSpan.FromSeconds(wait));
                continue;
            }
            Assert.Equal(HttpStatusCode.OK, attempt.StatusCode);
            failures++;
        }
        Assert.Equal(15, delays.Count);
        Assert.Equal(delays.Order(), delays);
        Assert.Equal((int)AttemptThrottle.MaxPairDelay.TotalSeconds, delays[^1]);
        // The stranger's own pair now waits, even with the right password.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await stranger.SignIn(DemoUsers.AcmeOwner)).StatusCode);

        var owner = From("127.0.0.1");
        var response = await owner.SignIn(DemoUsers.AcmeOwner);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/customers/acme", response.Headers.Location!.OriginalString);

        // The failures are counted in the database (shared by every instance) per pair and per address.
        await using var c = await _app.Get<Db>().OpenAsync();
        var counters = (await c.QueryAsync<(string Key, int Failures)>("select CounterKey, Failures from ThrottleCounter where Form = 'sign-in' order by CounterKey")).ToList();
        Assert.Equal(20, counters.Single(x => x.Key == "pair:owner@acme.example|127.0.0.7").Failures);
        Assert.Equal(20, counters.Single(x => x.Key == "address:127.0.0.7").Failures);
    }

    [SkippableFact]
    public async Task OneAddressFailingAcrossManyAccounts_IsSlowedAsAWhole_OtherAddressesAreNot()
    {
        var stranger = From("127.0.0.9");
        for (var i = 0; i < AttemptThrottle.FreeFailuresPerAddress; i++)
            Assert.Equal(HttpStatusCode.OK, (await stranger.SignIn($"nobody{i}@example.com", "guess")).StatusCode);

        Assert.Equal(HttpStatusCode.TooManyRequests, (await stranger.SignIn(DemoUsers.AcmeAdmin)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await From("127.0.0.10").SignIn(DemoUsers.AcmeAdmin)).StatusCode);
    }
}

public sealed class SqliteThrottleTests() : ThrottleTests(TestDatabase.Sqlite);

public sealed class PostgreSqlThrottleTests() : ThrottleTests(TestDatabase.PostgreSql);

public sealed class SqlServerThrottleTests() : ThrottleTests(TestDatabase.SqlServer);
