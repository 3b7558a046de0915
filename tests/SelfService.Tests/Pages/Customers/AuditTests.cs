using System.Net;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Customers;

public abstract class AuditTests(AppFactory app)
{
    [SkippableFact]
    public async Task Get_Member_SeesWhoChangedTheAccount_WhatAndWhy()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.AcmeMember);
        var page = await client.GetDocument("/customers/acme/audit");

        var grant = Assert.Single(page.AllByTestId("audit-entry"), e => e.GetAttribute("data-kind") == "grant.added");
        Assert.Contains("Grant added", grant.Text());
        Assert.Contains("max-members", grant.Text());
        Assert.Contains("Why: Negotiated at the 2026 renewal", grant.Text());
        Assert.Contains(DemoUsers.Operator, grant.Text());
    }

    [SkippableFact]
    public async Task Get_ShowsOnlyTheAccountsOwnEntries()
    {
        var client = await PageClient.SignedInAs(app, DemoUsers.GlobexOwner);
        var page = await client.GetDocument("/customers/globex/audit");
        Assert.Empty(page.AllByTestId("audit-entry"));
        Assert.Equal("Nothing has changed yet.", page.ByTestId("no-entries").Text());

        var other = await client.Get("/customers/acme/audit");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }
}

public sealed class SqliteAuditTests(SqliteApp app) : AuditTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlAuditTests(PostgreSqlApp app) : AuditTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerAuditTests(SqlServerApp app) : AuditTests(app), IClassFixture<SqlServerApp>;
