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

/// <summary>A customer's activity past 200 entries: paged newest first, each entry once, only the customer's own.</summary>
public abstract class ActivityPagingTests(AppFactory app)
{
    [SkippableFact]
    public async Task Activity_OfMoreThanTwoHundredEntries_PagesNewestFirst_EachOnce_OnlyTheCustomersOwn()
    {
        await LongListKit.Audit(app, "acme", 230, app.Now.AddMinutes(5));
        await LongListKit.Audit(app, "initech", 60, app.Now.AddMinutes(6));
        var member = await PageClient.SignedInAs(app, DemoUsers.AcmeMember);

        var pages = await LongListKit.AllPages(member, "/customers/acme/audit", "audit-entry", e => e.QuerySelector(".audit-subject")!.TextContent.Trim());
        var subjects = LongListKit.AssertNoDuplicates(pages);
        var seeded = subjects.Where(s => s.Contains("long-list entry", StringComparison.Ordinal)).ToList();
        Assert.Equal(Enumerable.Range(0, 230).OrderBy(i => i / 10).ThenByDescending(i => i).Select(i => $"acme long-list entry {i:000}"), seeded); // newest first, ties by id (the later written first)
        Assert.DoesNotContain(subjects, s => s.StartsWith("initech", StringComparison.Ordinal));
        var total = subjects.Count;
        Assert.True(total > 230);
        Assert.Equal($"41–80 of {total:N0}", pages[1].Range);
        Assert.All(pages.SkipLast(1), p => Assert.Equal(SelfService.Pages.Customers.AuditModel.PageSize, p.Keys.Count));

        // No page number opens another customer's activity.
        Assert.Equal(HttpStatusCode.NotFound, (await member.Get("/customers/initech/audit?p=2")).StatusCode);
        var past = await member.GetDocument("/customers/acme/audit?p=100000000000");
        Assert.Contains("showing the last", past.ByTestId("page-message").Text());
        Assert.Equal(pages[^1].Keys, past.AllByTestId("audit-entry").Select(e => e.QuerySelector(".audit-subject")!.TextContent.Trim()));
        var junk = await member.GetDocument("/customers/acme/audit?p=two");
        Assert.Contains("not a page number", junk.ByTestId("page-message").Text());
        Assert.Equal(pages[0].Keys, junk.AllByTestId("audit-entry").Select(e => e.QuerySelector(".audit-subject")!.TextContent.Trim()));
    }
}

public sealed class SqliteActivityPagingTests(SqliteApp app) : ActivityPagingTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlActivityPagingTests(PostgreSqlApp app) : ActivityPagingTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerActivityPagingTests(SqlServerApp app) : ActivityPagingTests(app), IClassFixture<SqlServerApp>;
