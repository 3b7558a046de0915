using System.Net;
using AngleSharp.Dom;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Account;

/// <summary>Signing out (<c>/account/sign-out</c>): the session ends here and for every saved copy of its cookie.</summary>
public abstract class SignOutTests(AppFactory app)
{
    [SkippableFact]
    public async Task SignOut_EndsTheSession()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.AcmeOwner);
        var page = await client.GetDocument("/customers/acme");

        var response = await client.Submit(page.Form("form[data-testid=sign-out]"), new());

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.Get("/customers/acme")).StatusCode);
    }

    [SkippableFact]
    public async Task ACookieSavedBeforeSignOut_OpensNothingAfterwards_AndAcceptsNoWrite()
    {
        var client = PageClient.Anonymous(app);
        var signIn = await client.SignIn(DemoUsers.AcmeAdmin);
        var saved = signIn.Headers.GetValues("Set-Cookie").Last(c => c.StartsWith("selfservice.session=", StringComparison.Ordinal)).Split(';')[0];
        Assert.Equal(HttpStatusCode.OK, (await PageClient.Replaying(app, saved).GetAsync("/customers/acme")).StatusCode);
        var page = await client.GetDocument("/customers/acme");
        var antiforgery = page.QuerySelector<AngleSharp.Html.Dom.IHtmlInputElement>("form[data-testid=sign-out] input[name=__RequestVerificationToken]")!.Value;

        await client.Submit(page.Form("form[data-testid=sign-out]"), new());

        var replay = PageClient.Replaying(app, saved);
        var get = await replay.GetAsync("/customers/acme");
        Assert.Equal(HttpStatusCode.Redirect, get.StatusCode);
        Assert.StartsWith("/account/sign-in", get.Headers.Location!.PathAndQuery);
        var write = await replay.PostAsync("/customers/acme/notifications?handler=MarkRead", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = antiforgery }));
        Assert.NotEqual(HttpStatusCode.OK, write.StatusCode);
        Assert.True(write.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.BadRequest, $"{write.StatusCode}");
        if (write.StatusCode == HttpStatusCode.Redirect) Assert.StartsWith("/account/sign-in", write.Headers.Location!.PathAndQuery);
    }
}

public sealed class SqliteSignOutTests(SqliteApp app) : SignOutTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlSignOutTests(PostgreSqlApp app) : SignOutTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerSignOutTests(SqlServerApp app) : SignOutTests(app), IClassFixture<SqlServerApp>;
