using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure;
using Microsoft.AspNetCore.Routing;
using SelfService.Requests;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Integration;
using SelfService.Tests.Requests;
using Xunit.Abstractions;

namespace SelfService.Tests.Robustness;

/// <summary>
/// Every Razor page, taken from the app's endpoint data source (so a new page is swept the day it lands), and every
/// POST form each one shows, receive malformed input as the person who uses them: NUL in each field, each hidden or
/// choice field tampered to a value the page never offers, a field over the 4 MB form limit, no antiforgery token, an
/// unknown handler, a POST to a page that takes none. The answer is a page or a 4xx, never a 5xx, and nothing is stored.
/// </summary>
public abstract class PageSweepTests<TFactory>(TFactory app, ITestOutputHelper output) where TFactory : AppFactory
{
    private const string Token = "__RequestVerificationToken";

    [Fact]
    public async Task EveryPageAndForm_AnswersMalformedInputWithAPageOrA4xx_AndStoresNothing()
    {
        // Something in every state a page can show: a pending request, a webhook endpoint.
        var request = await RequestTestKit.Ask(app, "member@acme.example", new RequestDraft { Kind = RequestKind.AddOn, AddOnCode = "extra-seats", Quantity = 1 });
        var pending = await RequestTestKit.Ask(app, "owner@acme.example", new RequestDraft { Kind = RequestKind.AddOn, AddOnCode = "extra-seats", Quantity = 2 }); // × 1 already waits
        var api = await ApiTestClient.WithScopes(app, SelfService.Api.ApiScopes.All);
        using (var created = await api.Send(HttpMethod.Post, "/api/v1/webhook-endpoints", """{"url":"https://example.com/a","events":["entitlements.changed"]}"""))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var owner = await SignedIn("owner@acme.example");
        var operatorClient = await SignedIn("operator@vendor.example");
        var anonymous = new PageClient(app.HttpsClient());
        var sweep = new Sweep(app, output);

        var pages = app.Get<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<PageActionDescriptor>() is not null)
            .Select(e => (Pattern: e.RoutePattern.RawText!, Page: e.Metadata.GetMetadata<PageActionDescriptor>()!))
            .DistinctBy(p => p.Pattern)
            .ToList();
        Assert.True(pages.Count >= 25, $"only {pages.Count} pages found");

        foreach (var (pattern, page) in pages)
        {
            var url = Fill(pattern, page.ViewEnginePath, request.Id, pending.Id);
            var client = url.StartsWith("/vendor", StringComparison.Ordinal) ? operatorClient
                : url.StartsWith("/customers", StringComparison.Ordinal) ? owner
                : url.StartsWith("/account/sign-in", StringComparison.Ordinal) || url.Contains("-password", StringComparison.Ordinal) ? anonymous : owner;
            var label = $"{pattern} as {(client == operatorClient ? "operator" : client == owner ? "owner" : "anonymous")}";
            if (url.Contains("sign-out", StringComparison.Ordinal)) { client = anonymous; label = $"{pattern} (signed out)"; }

            var get = await sweep.Fire($"GET {label}", () => client.Get(url), (r, _) => (int)r.StatusCode < 500 ? null : "5xx");
            await sweep.Fire($"GET {label} ?handler=Nope", () => client.Get(With(url, "handler=Nope")), NotFoundOrNotAllowed);
            await sweep.Fire($"GET {label} with NUL in the query", () => client.Get(With(url, "q=%00&customer=acme%00&period=%00&id=%00")), Answered);

            var token = get.StatusCode == HttpStatusCode.OK ? (await PageClient.Parse(get)).QuerySelector<IHtmlInputElement>($"input[name={Token}]")?.Value : null;
            // The status page takes any POST: it is what a failed POST is re-executed as. The unsubscribe page takes a mail
            // client's one-click POST (RFC 8058), which carries no antiforgery token: the token in its address is the proof.
            var tokenFree = page.ViewEnginePath is "/Status" or "/Unsubscribe";
            await sweep.Fire($"POST {label} without a token", () => client.Http.PostAsync(url, Form(("a", "b"))), (r, _) =>
                (int)r.StatusCode is 400 || tokenFree ? null : "expected 400 (no antiforgery token)");
            await sweep.Fire($"POST {label} with NUL and no token", () => client.Http.PostAsync(url, Form(("Email", "a\0"), ("x\0", "\0"))), (r, _) =>
                (int)r.StatusCode is 400 ? null : "expected 400 (NUL, no antiforgery token)");
            if (token is null) continue;
            await sweep.Fire($"POST {label} ?handler=Nope", () => client.Http.PostAsync(With(url, "handler=Nope"), Form((Token, token))), NotFoundOrNotAllowed);
            var compiled = await app.Get<PageLoader>().LoadAsync(page, EndpointMetadataCollection.Empty);
            var takesPost = compiled.HandlerMethods.Any(h => h.HttpMethod == "Post" && string.IsNullOrEmpty(h.Name));
            if (!takesPost)
                await sweep.Fire($"POST {label} (takes no unnamed POST)", () => client.Http.PostAsync(url, Form((Token, token))), NotFoundOrNotAllowed);

            if (get.StatusCode != HttpStatusCode.OK) continue;
            var document = await PageClient.Parse(await client.Get(url));
            foreach (var form in document.QuerySelectorAll<IHtmlFormElement>("form").Where(f => f.Method.Equals("post", StringComparison.OrdinalIgnoreCase)))
            {
                var action = form.GetAttribute("action") ?? "";
                if (action.Contains("sign-out", StringComparison.Ordinal) && client != anonymous) continue; // would end the sweep's session
                var formLabel = $"{label} form {(action.Length == 0 ? "(self)" : action)}";
                foreach (var field in Fields(form).Where(f => f.Name != Token))
                {
                    await sweep.Fire($"{formLabel}: NUL in {field.Name}", () => client.Submit(form, new() { [field.Name] = field.Value + "\0" }), PageOr4xx);
                    if (field.Offered is { } offered)
                    {
                        var tampered = new[] { "maybe", "999999999", "-1" }.First(v => !offered.Contains(v));
                        await sweep.Fire($"{formLabel}: {field.Name} tampered to '{tampered}'", () => client.Submit(form, new() { [field.Name] = tampered }), PageOr4xx);
                    }
                }
                var first = Fields(form).FirstOrDefault(f => f.Name != Token);
                if (first.Name is not null)
                    await sweep.Fire($"{formLabel}: {first.Name} over 4 MB", () => client.Submit(form, new() { [first.Name] = new string('a', (4 << 20) + 1) }), PageOr4xx);
            }
        }

        sweep.Report($"Page sweep ({app.EnvironmentName})");
        Assert.True(sweep.Failures.Count == 0, $"{sweep.Failures.Count} of {sweep.Sent} inputs failed:\n{string.Join('\n', sweep.Failures)}");
    }

    private async Task<PageClient> SignedIn(string email)
    {
        var client = new PageClient(app.HttpsClient());
        var response = await client.SignIn(email);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    private static string Fill(string pattern, string page, long request, long pending)
    {
        var id = page switch
        {
            "/Customers/Requests/Detail" => request,
            "/Staff/Approvals/Detail" => pending,
            _ => 1,
        };
        var url = pattern.Replace("{customer}", "acme", StringComparison.Ordinal)
            .Replace("{token}", "not-a-token", StringComparison.Ordinal)
            .Replace("{handler?}", "", StringComparison.Ordinal)
            .Replace("{id:long?}", id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{id:long}", id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .TrimEnd('/');
        return "/" + url.TrimStart('/');
    }

    private static string With(string url, string query) => url + (url.Contains('?') ? "&" : "?") + query;

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    /// <summary>The fields a form posts, with the values it offers for hidden, choice and checkbox fields (null: free text).</summary>
    private static IEnumerable<(string Name, string Value, HashSet<string>? Offered)> Fields(IHtmlFormElement form)
    {
        var seen = new HashSet<string>();
        foreach (var element in form.Elements)
        {
            switch (element)
            {
                case IHtmlInputElement { Name: { Length: > 0 } name } input when input.Type is not ("submit" or "button") && seen.Add(name):
                    var choice = input.Type is "hidden" or "checkbox" or "radio";
                    var offered = choice
                        ? form.Elements.OfType<IHtmlInputElement>().Where(i => i.Name == name).Select(i => i.Value).ToHashSet()
                        : null;
                    yield return (name, input.Value, offered);
                    break;
                case IHtmlSelectElement { Name: { Length: > 0 } name } select when seen.Add(name):
                    yield return (name, select.Value ?? "", select.Options.Select(o => o.Value).ToHashSet());
                    break;
                case IHtmlTextAreaElement { Name: { Length: > 0 } name } area when seen.Add(name):
                    yield return (name, area.Value, null);
                    break;
            }
        }
    }

    private static string? Answered(HttpResponseMessage r, string body) => (int)r.StatusCode < 500 ? null : "5xx";

    private static string? NotFoundOrNotAllowed(HttpResponseMessage r, string body) =>
        r.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed ? null : "expected 404 or 405";

    /// <summary>The page again (with its message), a redirect that changed nothing (the sweep checks), or a 4xx.</summary>
    private static string? PageOr4xx(HttpResponseMessage r, string body) => (int)r.StatusCode < 500 ? null : "5xx";
}

public sealed class PageSweepDevelopmentTests(AppFactory app, ITestOutputHelper output)
    : PageSweepTests<AppFactory>(app, output), IClassFixture<AppFactory>;

public sealed class PageSweepProductionTests(ProductionAppFactory app, ITestOutputHelper output)
    : PageSweepTests<ProductionAppFactory>(app, output), IClassFixture<ProductionAppFactory>;
