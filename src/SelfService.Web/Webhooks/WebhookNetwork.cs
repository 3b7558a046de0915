using System.Net;
using System.Net.Sockets;

namespace SelfService.Webhooks;

/// <summary>Raised when a delivery would reach an address that outgoing webhooks must not reach.</summary>
public sealed class PrivateAddressRefused(IPAddress address)
    : HttpRequestException($"Refused: {address} is a loopback, link-local or private address (SelfService:Webhooks:AllowPrivateNetworks is off).")
{
    public IPAddress Address { get; } = address;
}

/// <summary>
/// The HTTP handler of webhook deliveries. Its connect step resolves the name itself and checks every address it
/// would connect to, and then the address the socket actually connected to, so neither a name that resolves to a
/// private address nor a DNS answer that changes between check and connect reaches the vendor's own network.
/// No redirects are followed (a redirect could point inside), and no proxy is used.
/// </summary>
public static class WebhookNetwork
{
    public static SocketsHttpHandler Handler(bool allowPrivateNetworks) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = async (context, ct) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
            if (addresses.Length == 0) throw new HttpRequestException($"'{host}' has no address.");
            if (!allowPrivateNetworks && addresses.FirstOrDefault(IsPrivate) is { } refused) throw new PrivateAddressRefused(refused);

            Exception? last = null;
            foreach (var address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                    var connected = ((IPEndPoint)socket.RemoteEndPoint!).Address;
                    if (!allowPrivateNetworks && IsPrivate(connected)) throw new PrivateAddressRefused(connected);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch (Exception e)
                {
                    socket.Dispose();
                    if (e is PrivateAddressRefused) throw;
                    last = e;
                }
            }
            throw new HttpRequestException($"Could not connect to '{host}'.", last);
        },
    };

    /// <summary>Loopback, link-local, private (RFC 1918, unique local), carrier-grade NAT, unspecified, multicast or reserved.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return true;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                0 or 10 or 127 => true,
                100 => b[1] >= 64 && b[1] <= 127,   // 100.64.0.0/10
                169 => b[1] == 254,                  // link-local, cloud metadata
                172 => b[1] >= 16 && b[1] <= 31,
                192 => (b[1] == 168) || (b[1] == 0 && b[2] is 0 or 2), // private, IETF protocol assignments, TEST-NET-1
                198 => b[1] is 18 or 19,             // benchmarking
                >= 224 => true,                      // multicast, reserved, broadcast
                _ => false,
            };
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.Equals(IPAddress.IPv6None) || address.Equals(IPAddress.IPv6Any)) return true;
            if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal) return true;
            if (address.IsIPv6Teredo) return false;
            var b = address.GetAddressBytes();
            // IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96) addresses carry an IPv4 address: judge that one.
            if (b.Take(12).All(x => x == 0)) return IsPrivate(new IPAddress(b[12..]));
            if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.Skip(4).Take(8).All(x => x == 0)) return IsPrivate(new IPAddress(b[12..]));
            return false;
        }
        return true;
    }
}
