using System.Net;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Account;

/// <summary>The page a signed-in person lands on when their role does not allow what they opened (<c>/account/denied</c>).</summary>
public abstract class DeniedTests(AppFactory app)
{
    [SkippableFact]
    public async Task AMemberOpeningAStaffPage_LandsOnNotAllowed_With403_AndAWayBack()
    {
        var member = await PageClient.SignedInAs(app, DemoUsers.AcmeMember);
        var response = await member.Get("/vendor/catalog");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        var path = location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString;
        Assert.StartsWith("/account/denied", path);

        var denied = await member.Get(path);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var page = await PageClient.Parse(denied);
        Assert.Equal("Not allowed", page.QuerySelector("main h1")!.TextContent.Trim());
        Assert.Equal("/", page.QuerySelector("main a")!.GetAttribute("href"));
    }
}

public sealed class SqliteDeniedTests(SqliteApp app) : DeniedTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlDeniedTests(PostgreSqlApp app) : DeniedTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerDeniedTests(SqlServerApp app) : DeniedTests(app), IClassFixture<SqlServerApp>;
