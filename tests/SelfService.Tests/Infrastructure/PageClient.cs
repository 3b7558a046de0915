using System.Net;
using AngleSharp;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Io;
using Microsoft.AspNetCore.Mvc.Testing;

namespace SelfService.Tests.Infrastructure;

/// <summary>
/// A signed-in (or anonymous) browser stand-in over the test server: fetches pages, parses them with
/// AngleSharp and submits their real forms, antiforgery token included.
/// </summary>
public sealed class PageClient(HttpClient http)
{
    public const string DemoPassword = "demo-pass-2026";

    public HttpClient Http { get; } = http;

    public static PageClient Anonymous(AppFactory factory) =>
        new(factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true }));

    public static async Task<PageClient> SignedInAs(AppFactory factory, string email, string password = DemoPassword)
    {
        var client = Anonymous(factory);
        var response = await client.SignIn(email, password);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    /// <summary>Signs in from a fresh client and returns the session cookie (name=value) it was given.</summary>
    public static async Task<string> SessionCookie(AppFactory factory, string email, string password = DemoPassword)
    {
        var response = await Anonymous(factory).SignIn(email, password);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.GetValues("Set-Cookie").Last(c => c.StartsWith("selfservice.session=", StringComparison.Ordinal)).Split(';')[0];
    }

    /// <summary>A client that sends a saved cookie on every request and keeps none it is given: a replayed cookie.</summary>
    public static HttpClient Replaying(AppFactory factory, string cookie)
    {
        var http = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        http.DefaultRequestHeaders.Add("Cookie", cookie);
        return http;
    }

    public async Task<HttpResponseMessage> SignIn(string email, string password = DemoPassword)
    {
        var page = await GetDocument("/account/sign-in");
        return await Submit(page.Form("form[method=post]:not(.inline)"), new() { ["Email"] = email, ["Password"] = password });
    }

    public async Task<IHtmlDocument> GetDocument(string url, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await Http.GetAsync(url);
        Assert.Equal(expected, response.StatusCode);
        return await Parse(response);
    }

    public Task<HttpResponseMessage> Get(string url) => Http.GetAsync(url);

    /// <summary>Posts <paramref name="form"/> as a browser would: every field it carries, with <paramref name="values"/> filled in.</summary>
    public Task<HttpResponseMessage> Submit(IHtmlFormElement form, Dictionary<string, string> values)
    {
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var element in form.Elements)
        {
            if (element.HasAttribute("disabled")) continue; // a browser sends no disabled field
            switch (element)
            {
                case IHtmlInputElement { Name: { Length: > 0 } name } input when input.Type is not ("submit" or "button" or "checkbox" or "radio") || input.IsChecked:
                    fields.Add(new(name, input.Value));
                    break;
                case IHtmlSelectElement { Name: { Length: > 0 } name } select:
                    fields.Add(new(name, select.Value ?? ""));
                    break;
                case IHtmlTextAreaElement { Name: { Length: > 0 } name } area:
                    fields.Add(new(name, area.Value));
                    break;
            }
        }
        foreach (var (name, value) in values)
        {
            fields.RemoveAll(f => f.Key == name);
            fields.Add(new(name, value));
        }
        var action = string.IsNullOrEmpty(form.GetAttribute("action")) ? form.BaseUri : form.Action;
        // AngleSharp may hand back a relative action ("/x?handler=Y"); on Unix new Uri("/x?...") is a file path that loses the query.
        return Http.PostAsync(new Uri(new Uri("http://localhost/"), action).PathAndQuery, new FormUrlEncodedContent(fields));
    }

    /// <summary>Posts fields directly, with a valid antiforgery token taken from <paramref name="tokenPage"/>: what a hand-made request could send.</summary>
    public async Task<HttpResponseMessage> PostDirect(string url, string tokenPage, Dictionary<string, string> values)
    {
        var page = await GetDocument(tokenPage);
        var token = page.QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value;
        var fields = new Dictionary<string, string>(values) { ["__RequestVerificationToken"] = token };
        return await Http.PostAsync(url, new FormUrlEncodedContent(fields));
    }

    public static async Task<IHtmlDocument> Parse(HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync();
        var context = BrowsingContext.New(Configuration.Default);
        var document = await context.OpenAsync(r => r.Content(html).Address(response.RequestMessage!.RequestUri!));
        return (IHtmlDocument)document;
    }
}

public static class DocumentExtensions
{
    public static IHtmlFormElement Form(this IDocument document, string selector = "main form[method=post]") =>
        document.QuerySelector<IHtmlFormElement>(selector) ?? throw new InvalidOperationException($"No form matches {selector}.");

    public static IElement ByTestId(this IParentNode node, string id) =>
        node.QuerySelector($"[data-testid='{id}']") ?? throw new InvalidOperationException($"No element with data-testid={id}.");

    public static IEnumerable<IElement> AllByTestId(this IParentNode node, string id) => node.QuerySelectorAll($"[data-testid='{id}']");

    public static string Text(this IElement element) => string.Join(' ', element.TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
