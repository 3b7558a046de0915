using System.Net;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages;

public abstract class IndexTests(AppFactory app)
{
    [SkippableFact]
    public async Task Get_ACustomersUser_GoesToTheirAccount()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.InitechOwner);
        var response = await client.Get("/");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/customers/initech", response.Headers.Location?.OriginalString);
    }

    [SkippableFact]
    public async Task Get_Staff_SeeEveryCustomer_AndOnlyOperatorsAManageLink()
    {
        var op = await (await PageClient.SignedInAs(app, DemoUsers.Operator)).GetDocument("/");
        var rows = op.ByTestId("customers").QuerySelectorAll("tbody tr").ToList();
        Assert.Equal(5, rows.Count);
        Assert.Contains(rows, r => r.Text().Contains("Acme Corp") && r.Text().Contains("Business"));
        Assert.Equal(5, op.AllByTestId("manage").Count());

        var approver = await (await PageClient.SignedInAs(app, DemoUsers.Approver)).GetDocument("/");
        Assert.Equal(5, approver.ByTestId("customers").QuerySelectorAll("tbody tr").Length);
        Assert.Empty(approver.AllByTestId("manage"));
    }
}

public sealed class SqliteIndexTests(SqliteApp app) : IndexTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlIndexTests(PostgreSqlApp app) : IndexTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerIndexTests(SqlServerApp app) : IndexTests(app), IClassFixture<SqlServerApp>;
