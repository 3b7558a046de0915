using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using SelfService.Data;

namespace SelfService.Web;

/// <summary>
/// Proxies in front of the app that terminate TLS (<c>SelfService:Proxy</c>). Their <c>X-Forwarded-For</c> and
/// <c>X-Forwarded-Proto</c> are believed only from loopback and the addresses and networks listed here, so that behind
/// such a proxy the app knows a request came over https (Secure cookies, sign-in) and from which client address
/// (throttling, rate limits), while nobody else can claim either.
/// </summary>
public sealed class ProxyOptions
{
    public const string Section = "SelfService:Proxy";

    /// <summary>Addresses of trusted proxies besides loopback, such as <c>10.0.0.5</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR notation, such as <c>10.0.0.0/8</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in a row may each add an address to <c>X-Forwarded-For</c>.</summary>
    public int ForwardLimit { get; set; } = 1;

    public static IEnumerable<SettingProblem> Check(ProxyOptions o)
    {
        for (var i = 0; i < o.KnownProxies.Count; i++)
            if (!IPAddress.TryParse(o.KnownProxies[i], out _))
                yield return new($"KnownProxies:{i}", $"must be an IP address such as 10.0.0.5, not '{o.KnownProxies[i]}'.");
        for (var i = 0; i < o.KnownNetworks.Count; i++)
            if (!System.Net.IPNetwork.TryParse(o.KnownNetworks[i], out _))
                yield return new($"KnownNetworks:{i}", $"must be a network in CIDR notation such as 10.0.0.0/8, not '{o.KnownNetworks[i]}'.");
        foreach (var p in Settings.Range(nameof(ForwardLimit), o.ForwardLimit, 1, 10)) yield return p;
    }

    public static WebApplicationBuilder AddTrustedProxies(WebApplicationBuilder builder)
    {
        var proxy = builder.AddCheckedOptions<ProxyOptions>(Section, Check);
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.ForwardLimit = proxy.ForwardLimit;
            // The defaults (127.0.0.0/8 and ::1) stay: a proxy on the same machine is trusted without a setting.
            foreach (var address in proxy.KnownProxies) o.KnownProxies.Add(IPAddress.Parse(address));
            foreach (var network in proxy.KnownNetworks) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        });
        return builder;
    }
}
