using AngleSharp.Dom;
using System.Net;
using Dapper;
using SelfService.Accounts;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Accounts;

/// <summary>Sessions live in the database: ending the row ends every copy of the cookie.</summary>
public abstract class SessionTests(AppFactory app)
{
    private Task<string> SessionCookie(string email) => PageClient.SessionCookie(app, email);

    private HttpClient Replaying(string cookie) => PageClient.Replaying(app, cookie);

    [SkippableFact]
    public async Task ACookieSavedBeforeSignOut_OpensNothingAfterwards_AndAcceptsNoWrite()
    {
        var client = PageClient.Anonymous(app);
        var signIn = await client.SignIn(DemoUsers.AcmeAdmin);
        var saved = signIn.Headers.GetValues("Set-Cookie").Last(c => c.StartsWith("selfservice.session=", StringComparison.Ordinal)).Split(';')[0];
        Assert.Equal(HttpStatusCode.OK, (await Replaying(saved).GetAsync("/customers/acme")).StatusCode);
        var page = await client.GetDocument("/customers/acme");
        var antiforgery = page.QuerySelector<AngleSharp.Html.Dom.IHtmlInputElement>("form[data-testid=sign-out] input[name=__RequestVerificationToken]")!.Value;

        await client.Submit(page.Form("form[data-testid=sign-out]"), new());

        var replay = Replaying(saved);
        var get = await replay.GetAsync("/customers/acme");
        Assert.Equal(HttpStatusCode.Redirect, get.StatusCode);
        Assert.StartsWith("/account/sign-in", get.Headers.Location!.PathAndQuery);
        var write = await replay.PostAsync("/customers/acme/notifications?handler=MarkRead", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = antiforgery }));
        Assert.NotEqual(HttpStatusCode.OK, write.StatusCode);
        Assert.True(write.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.BadRequest, $"{write.StatusCode}");
        if (write.StatusCode == HttpStatusCode.Redirect) Assert.StartsWith("/account/sign-in", write.Headers.Location!.PathAndQuery);
    }

    [SkippableFact]
    public async Task EndingAUsersSessionsInTheDatabase_RefusesTheirOpenCookieAtTheNextRequest()
    {
        var first = await SessionCookie(DemoUsers.AcmeMember);
        var second = await SessionCookie(DemoUsers.AcmeMember);
        Assert.Equal(HttpStatusCode.OK, (await Replaying(first).GetAsync("/customers/acme")).StatusCode);

        var db = app.Get<Db>();
        long userId;
        await using (var c = await db.OpenAsync()) userId = await c.ExecuteScalarAsync<long>("select Id from AppUser where Email = 'member@acme.example'");
        var ended = await db.WriteAsync((c, tx) => app.Get<SessionStore>().EndAllForUserAsync(c, tx, userId, SessionEndReasons.RoleChanged));

        Assert.Equal(2, ended);
        Assert.Equal(HttpStatusCode.Redirect, (await Replaying(first).GetAsync("/customers/acme")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await Replaying(second).GetAsync("/customers/acme")).StatusCode);
    }

    [SkippableFact]
    public async Task SignIn_RecordsTheLastSignInTime()
    {
        await SessionCookie(DemoUsers.InitechOwner);
        await using var c = await app.Get<Db>().OpenAsync();
        var at = await c.ExecuteScalarAsync<DateTime?>("select LastSignInAt from AppUser where Email = 'owner@initech.example'");
        Assert.Equal(app.Now, at);
    }
}

public sealed class SqliteSessionTests(SqliteApp app) : SessionTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlSessionTests(PostgreSqlApp app) : SessionTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerSessionTests(SqlServerApp app) : SessionTests(app), IClassFixture<SqlServerApp>;
