using System.Net;
using SelfService.Accounts;
using SelfService.Demo;
using SelfService.Identity;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Account;

public abstract class SignInTests(AppFactory app)
{
    [SkippableFact]
    public async Task Get_AnyPageSignedOut_RedirectsToSignIn()
    {
        var response = await PageClient.Anonymous(app).Get("/customers/acme");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/sign-in", response.Headers.Location!.PathAndQuery);
    }

    [SkippableFact]
    public async Task Post_CustomerUser_LandsOnTheirAccount_WithASecureSessionCookie()
    {
        var client = PageClient.Anonymous(app);
        var response = await client.SignIn(DemoUsers.AcmeMember);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/customers/acme", response.Headers.Location!.OriginalString);
        var cookie = response.Headers.GetValues("Set-Cookie").Last(c => c.StartsWith("selfservice.session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [SkippableFact]
    public async Task Post_EmailInAnyCase_SignsIn()
    {
        var response = await PageClient.Anonymous(app).SignIn("  Owner@ACME.example ");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    [SkippableFact]
    public async Task Post_WrongPassword_ShowsErrorAndStaysSignedOut()
    {
        var client = PageClient.Anonymous(app);
        var response = await client.SignIn(DemoUsers.AcmeAdmin, "not-the-password");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await PageClient.Parse(response);
        Assert.Contains("do not match", page.ByTestId("form-error").Text());
        Assert.Equal(HttpStatusCode.Redirect, (await client.Get("/customers/acme")).StatusCode);
    }

    [SkippableFact]
    public async Task Post_EmptyFields_ShowErrorsBesideEachField()
    {
        var client = PageClient.Anonymous(app);
        var page = await client.GetDocument("/account/sign-in");
        var response = await client.Submit(page.Form(), new() { ["Email"] = "", ["Password"] = "" });

        var result = await PageClient.Parse(response);
        Assert.Equal("Enter your email address.", result.QuerySelector("#email-error")!.Text());
        Assert.Equal("Enter your password.", result.QuerySelector("#password-error")!.Text());
    }

    [SkippableFact]
    public async Task Post_WithoutAntiforgeryToken_IsRejected()
    {
        var client = PageClient.Anonymous(app);
        var response = await client.Http.PostAsync("/account/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = DemoUsers.AcmeOwner, ["Password"] = PageClient.DemoPassword,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [SkippableFact]
    public async Task Post_RepeatedFailures_MakeThatAccountAndAddressWaitLongerEachTime_ThenTheRightPasswordWorks()
    {
        var client = PageClient.Anonymous(app);
        for (var i = 0; i < AttemptThrottle.FreeFailuresPerPair; i++)
            Assert.Equal(HttpStatusCode.OK, (await client.SignIn(DemoUsers.GlobexOwner, "wrong-" + i)).StatusCode);

        var response = await client.SignIn(DemoUsers.GlobexOwner);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("1", response.Headers.RetryAfter!.ToString());
        Assert.Contains("Too many failed sign-ins for this account from your network. Try again in 1 seconds", (await PageClient.Parse(response)).ByTestId("form-error").Text());

        app.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await client.SignIn(DemoUsers.GlobexOwner, "wrong-again")).StatusCode);
        var longer = await client.SignIn(DemoUsers.GlobexOwner);
        Assert.Equal(HttpStatusCode.TooManyRequests, longer.StatusCode);
        Assert.Equal("2", longer.Headers.RetryAfter!.ToString());

        app.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(HttpStatusCode.Redirect, (await client.SignIn(DemoUsers.GlobexOwner)).StatusCode);
        // The success cleared the pair: the next mistake is free again.
        Assert.Equal(HttpStatusCode.OK, (await PageClient.Anonymous(app).SignIn(DemoUsers.GlobexOwner, "wrong")).StatusCode);
    }

    [SkippableFact]
    public async Task Session_EndsAfterTheIdleTimeout()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.AcmeAdmin);
        Assert.Equal(HttpStatusCode.OK, (await client.Get("/customers/acme")).StatusCode);

        app.Clock.Advance(IdentitySetup.IdleTimeout + TimeSpan.FromMinutes(1));

        Assert.Equal(HttpStatusCode.Redirect, (await client.Get("/customers/acme")).StatusCode);
    }
}

/// <summary>The absolute timeout needs its own clock: it moves time far enough to disturb other tests.</summary>
public abstract class SessionAbsoluteTimeoutTests(AppFactory app)
{
    [SkippableFact]
    public async Task Session_EndsAfterTheAbsoluteTimeout_EvenWhenActive()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.HooliOwner);
        var elapsed = TimeSpan.Zero;
        while (elapsed < IdentitySetup.AbsoluteTimeout - TimeSpan.FromMinutes(20))
        {
            app.Clock.Advance(TimeSpan.FromMinutes(20));
            elapsed += TimeSpan.FromMinutes(20);
            Assert.Equal(HttpStatusCode.OK, (await client.Get("/customers/hooli")).StatusCode);
        }

        app.Clock.Advance(TimeSpan.FromMinutes(25));

        Assert.Equal(HttpStatusCode.Redirect, (await client.Get("/customers/hooli")).StatusCode);
    }
}

public sealed class SqliteSignInTests(SqliteApp app) : SignInTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlSignInTests(PostgreSqlApp app) : SignInTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerSignInTests(SqlServerApp app) : SignInTests(app), IClassFixture<SqlServerApp>;

public sealed class SqliteSessionAbsoluteTimeoutTests(SqliteApp app) : SessionAbsoluteTimeoutTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlSessionAbsoluteTimeoutTests(PostgreSqlApp app) : SessionAbsoluteTimeoutTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerSessionAbsoluteTimeoutTests(SqlServerApp app) : SessionAbsoluteTimeoutTests(app), IClassFixture<SqlServerApp>;
