using System.Net;
using AngleSharp.Html.Dom;
using Dapper;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Staff;

public static class OperatorClient
{
    public const string Email = DemoUsers.Operator;

    public static Task<PageClient> SignIn(AppFactory app) => PageClient.SignedInAs(app, Email);

    /// <summary>The error shown beside the field named <paramref name="field"/>, or "" when there is none.</summary>
    public static string ErrorFor(this IHtmlDocument page, string field) =>
        page.QuerySelector($"[data-valmsg-for='{field}']")?.TextContent.Trim() ?? "";

    public static async Task<IHtmlDocument> Follow(this PageClient client, HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return await client.GetDocument(response.Headers.Location!.OriginalString);
    }

    public static async Task<T> Scalar<T>(this AppFactory app, string sql, object? parameters = null)
    {
        await using var c = await app.Get<Db>().OpenAsync();
        return (await c.ExecuteScalarAsync<T>(sql, parameters))!;
    }

    public static async Task<long> AuditCount(this AppFactory app, string kind) =>
        await app.Scalar<long>("select count(*) from AuditEntry where Kind = @kind", new { kind });

    /// <summary>Posts the page's main form with only <paramref name="values"/> changed.</summary>
    public static async Task<HttpResponseMessage> SubmitForm(this PageClient client, string url, string formTestId, Dictionary<string, string> values)
    {
        var page = await client.GetDocument(url);
        return await client.Submit((IHtmlFormElement)page.ByTestId(formTestId), values);
    }

    /// <summary>The name of the value field of the entitlement row for <paramref name="handle"/> on a plan or add-on form.</summary>
    public static string EntitlementField(this IHtmlDocument page, string handle)
    {
        var row = page.QuerySelector($"[data-testid=entitlement-row][data-handle='{handle}']")!;
        return row.QuerySelector("[name$='.Value']")!.GetAttribute("name")!;
    }
}
