using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using SelfService.Demo;
using SelfService.Requests;
using SelfService.Tests.Infrastructure;
using static SelfService.Tests.Requests.RequestTestKit;

namespace SelfService.Tests.Requests;

/// <summary>The app on a real loopback Kestrel port, so posts race as they would from browsers and scripts.</summary>
public sealed class KestrelApp : IAsyncLifetime
{
    public AppFactory App { get; } = new();
    public string BaseUrl { get; private set; } = "";

    public Task InitializeAsync()
    {
        App.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        App.StartServer();
        BaseUrl = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return Task.CompletedTask;
    }

    /// <summary>A signed-in client with its own cookies, talking HTTP to the server.</summary>
    public async Task<PageClient> SignedIn(string email)
    {
        var client = new PageClient(new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new() })
        {
            BaseAddress = new Uri(BaseUrl),
        });
        Assert.Equal(HttpStatusCode.Redirect, (await client.SignIn(email)).StatusCode);
        return client;
    }

    public Task DisposeAsync()
    {
        App.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// Submitting is exactly-once: the same form posted again (retry, double click, script) is the first request, and
/// an identical request while one waits is refused with a link to it — also when the posts arrive at once.
/// </summary>
public sealed class RequestSubmissionTests(KestrelApp server) : IClassFixture<KestrelApp>
{
    private AppFactory App => server.App;

    private static RequestDraft StoragePack(string token) => new()
    {
        Kind = RequestKind.AddOn, AddOnCode = "storage-pack", Quantity = 1, Justification = "Video archive", SubmissionKey = token,
    };

    [Fact]
    public async Task SameToken_Twice_GivesTheFirstRequest_AndProvisionsOnce()
    {
        var owner = await Actor(App, DemoUsers.GlobexOwner);
        var before = await AddOnQuantity(App, "globex", "storage-pack");
        var token = Guid.NewGuid().ToString("N");

        var first = await App.Get<RequestSubmissions>().SubmitAsync("globex", owner, StoragePack(token));
        var second = await App.Get<RequestSubmissions>().SubmitAsync("globex", owner, StoragePack(token));

        Assert.True(first.Succeeded && second.Succeeded);
        Assert.Equal(first.Request!.Id, second.Request!.Id);
        Assert.Equal(RequestState.Approved, second.Request.State); // no approval needed: provisioned by policy, once
        Assert.Equal(before + 1, await AddOnQuantity(App, "globex", "storage-pack"));
        Assert.Equal(1, await Scalar<long>(App, "select count(*) from AccessRequest where SubmissionKey = @token", new { token }));
    }

    [Fact]
    public async Task IdenticalRequest_WhileOneIsPending_IsRefusedWithIt_AndAcceptedOnceThatOneIsDecided()
    {
        var draft = new RequestDraft { Kind = RequestKind.AddOn, AddOnCode = "extra-seats", Quantity = 3 };
        var waiting = await Ask(App, DemoUsers.InitechOwner, draft with { SubmissionKey = "a" });

        var owner = await Actor(App, DemoUsers.InitechOwner);
        var again = await App.Get<RequestSubmissions>().SubmitAsync("initech", owner, draft with { Justification = "Still need them", SubmissionKey = "b" });
        Assert.Equal(OutcomeStatus.Duplicate, again.Status);
        Assert.Equal(waiting.Id, again.Request!.Id);
        Assert.Contains($"request #{waiting.Id}", again.Errors![""]);

        var other = await App.Get<RequestSubmissions>().SubmitAsync("initech", owner, draft with { Quantity = 2, Justification = "Two will do", SubmissionKey = "c" });
        Assert.True(other.Succeeded, "a different quantity is a different request");

        Assert.True((await Decide(App, DemoUsers.Approver, waiting, new RequestDecision(false, "Not this month"))).Succeeded);
        var later = await App.Get<RequestSubmissions>().SubmitAsync("initech", owner, draft with { Justification = "Next month then", SubmissionKey = "d" });
        Assert.True(later.Succeeded);
    }

    /// <summary>Eight posts of one form at the same instant, over real HTTP: one request, one provisioning, every answer leads to it.</summary>
    [Fact]
    public async Task ConcurrentPostsOfOneForm_MakeOneRequest_AndOneProvisioning()
    {
        var client = await server.SignedIn(DemoUsers.HooliOwner);
        var form = await client.GetDocument("/customers/hooli/requests/new?kind=addon&code=storage-pack&quantity=1");
        var token = form.QuerySelector<IHtmlInputElement>("input[name=SubmissionKey]")!.Value;
        Assert.Equal(32, token.Length);
        var fields = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = form.QuerySelector<IHtmlInputElement>("form[data-testid=request-form] input[name=__RequestVerificationToken]")!.Value,
            ["Kind"] = "addon", ["AddOnCode"] = "storage-pack", ["Quantity"] = "1", ["Justification"] = "Archive", ["SubmissionKey"] = token,
        };
        var before = await AddOnQuantity(App, "hooli", "storage-pack");
        var requestsBefore = await RequestCount(App);

        using var start = new ManualResetEventSlim();
        var posts = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            return await client.Http.PostAsync("/customers/hooli/requests/new", new FormUrlEncodedContent(fields));
        })).ToList();
        start.Set();
        var answers = await Task.WhenAll(posts);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Redirect, a.StatusCode));
        Assert.Single(answers.Select(a => a.Headers.Location!.OriginalString.Split('?')[0]).Distinct());
        Assert.Equal(requestsBefore + 1, await RequestCount(App));
        Assert.Equal(before + 1, await AddOnQuantity(App, "hooli", "storage-pack"));
        var id = await Scalar<long>(App, "select Id from AccessRequest where SubmissionKey = @token", new { token });
        Assert.Equal(1, await Scalar<long>(App, "select count(*) from AuditEntry where Kind = 'request.approved-by-policy' and Subject = @s", new { s = $"request #{id}" }));
    }

    /// <summary>Six different forms asking for the same thing at once (tabs, people): one waits, the others are told where it is.</summary>
    [Fact]
    public async Task ConcurrentIdenticalRequests_FromDifferentForms_LeaveOnePending_AndTheOthersLinkToIt()
    {
        var clients = await Task.WhenAll(new[] { DemoUsers.UmbrellaOwner, DemoUsers.UmbrellaOwner, DemoUsers.UmbrellaOwner }.Select(server.SignedIn));
        var forms = new List<(PageClient Client, Dictionary<string, string> Fields)>();
        foreach (var client in clients.Concat(clients))
        {
            var form = await client.GetDocument("/customers/umbrella/requests/new?kind=addon&code=4k-pack&quantity=1");
            forms.Add((client, new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = form.QuerySelector<IHtmlInputElement>("form[data-testid=request-form] input[name=__RequestVerificationToken]")!.Value,
                ["Kind"] = "addon", ["AddOnCode"] = "4k-pack", ["Quantity"] = "1", ["Justification"] = "Film festival",
                ["SubmissionKey"] = form.QuerySelector<IHtmlInputElement>("input[name=SubmissionKey]")!.Value,
            }));
        }
        Assert.Equal(6, forms.Select(f => f.Fields["SubmissionKey"]).Distinct().Count());

        using var start = new ManualResetEventSlim();
        var posts = forms.Select(f => Task.Run(async () =>
        {
            start.Wait();
            return await f.Client.Http.PostAsync("/customers/umbrella/requests/new", new FormUrlEncodedContent(f.Fields));
        })).ToList();
        start.Set();
        var answers = await Task.WhenAll(posts);

        var pending = await Scalar<long>(App, """
            select count(*) from AccessRequest r join Customer c on c.Id = r.CustomerId join AddOn a on a.Id = r.AddOnId
             where c.ExternalKey = 'umbrella' and a.Code = '4k-pack' and r.State = 'Pending'
            """);
        Assert.Equal(1, pending);
        var created = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Redirect);
        var link = created.Headers.Location!.OriginalString.Split('?')[0];
        foreach (var refused in answers.Where(a => a != created))
        {
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            var page = await PageClient.Parse(refused);
            Assert.Equal(link, page.ByTestId("duplicate-of").GetAttribute("href"));
            Assert.Equal("Film festival", page.QuerySelector<IHtmlTextAreaElement>("textarea[name=Justification]")!.Value);
        }
    }
}
