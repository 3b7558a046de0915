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
