using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;
using Yarp.ReverseProxy.Configuration;

namespace SelfService.Tests.Startup;

/// <summary>
/// The app as a vendor deploys it: Production, listening on plain HTTP behind a reverse proxy (YARP) that terminates
/// TLS and sends X-Forwarded-Proto and X-Forwarded-For. People reach it over https through the proxy and sign in.
/// </summary>
public sealed class ReverseProxyTests : IAsyncLifetime
{
    private readonly ProductionAppFactory _app = new();
    private WebApplication? _proxy;
    private string _appUrl = "";
    private string _proxyUrl = "";

    public async Task InitializeAsync()
    {
        _app.Settings["SelfService:PublicUrl"] = "https://portal.example.com/";
        _app.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _app.StartServer();
        _appUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.UseHttps(SelfSignedCertificate())));
        builder.Services.AddReverseProxy().LoadFromMemory(
            [new RouteConfig { RouteId = "app", ClusterId = "app", Match = new RouteMatch { Path = "{**all}" } }],
            [new ClusterConfig { ClusterId = "app", Destinations = new Dictionary<string, DestinationConfig> { ["app"] = new() { Address = _appUrl } } }]);
        _proxy = builder.Build();
        _proxy.MapReverseProxy();
        await _proxy.StartAsync();
        _proxyUrl = _proxy.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync()
    {
        if (_proxy is not null) await _proxy.DisposeAsync();
        _app.Dispose();
    }

    [Fact]
    public async Task BehindATlsTerminatingProxy_SignInWorks_WhileTheAppListensOnPlainHttp()
    {
        Assert.StartsWith("http://", _appUrl);
        Assert.StartsWith("https://", _proxyUrl);
        var handler = new HttpClientHandler
        {
            AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer(),
            ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator,
        };
        var client = new PageClient(new HttpClient(handler) { BaseAddress = new Uri(_proxyUrl) });

        var signIn = await client.SignIn(DemoUsers.AcmeOwner);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var cookies = handler.CookieContainer.GetCookies(new Uri(_proxyUrl));
        Assert.All(cookies, c => Assert.True(c.Secure, $"{c.Name} is not Secure-only"));

        var home = await client.Http.GetAsync("/customers/acme");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("Acme Corp", await home.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OverPlainHttpWithoutAProxy_PagesRedirectToThePublicHttpsAddress_AndHealthStillAnswers()
    {
        var direct = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(_appUrl) };

        var page = await direct.GetAsync("/account/sign-in?returnUrl=%2Fcustomers%2Facme");
        Assert.Equal(HttpStatusCode.PermanentRedirect, page.StatusCode);
        Assert.Equal("https://portal.example.com/account/sign-in?returnUrl=%2Fcustomers%2Facme", page.Headers.Location?.AbsoluteUri);

        var health = await direct.GetAsync("/healthz/live");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.False(health.Headers.Contains("Server"), "the answer names the server software");
        Assert.False(page.Headers.Contains("Server"), "the answer names the server software");
    }

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
