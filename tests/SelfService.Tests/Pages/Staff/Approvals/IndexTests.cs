using System.Net;
using AngleSharp.Html.Dom;
using SelfService.Demo;
using SelfService.Requests;
using SelfService.Tests.Infrastructure;
using static SelfService.Tests.Requests.RequestTestKit;

namespace SelfService.Tests.Pages.Staff.Approvals;

/// <summary>The approvers' queue (<c>/vendor/approvals</c>): who may see it, who may decide, what it lists.</summary>
public abstract class IndexTests(AppFactory app)
{
    [SkippableFact]
    public async Task Queue_ShowsWaitingRequestsOldestFirst_WithTheirCount_AndFilters()
    {
        var first = await Ask(app, DemoUsers.InitechOwner, new RequestDraft { Kind = RequestKind.AddOn, AddOnCode = "extra-seats", Quantity = 1 });
        app.Clock.Advance(TimeSpan.FromHours(3));
        var second = await Ask(app, DemoUsers.UmbrellaOwner, new RequestDraft { Kind = RequestKind.Access, FeatureHandle = "4k-streaming", DurationDays = 5 });
        var customerStep = await Ask(app, DemoUsers.AcmeMember, new RequestDraft { Kind = RequestKind.AddOn, AddOnCode = "extra-seats", Quantity = 1 });

        var approver = await PageClient.SignedInAs(app, DemoUsers.Approver);
        var page = await approver.GetDocument("/vendor/approvals");

        var ids = page.AllByTestId("queue-row").Select(r => long.Parse(r.GetAttribute("data-id")!)).ToList();
        Assert.True(ids.IndexOf(first.Id) < ids.IndexOf(second.Id));
        Assert.DoesNotContain(customerStep.Id, ids);
        var waiting = await app.Get<RequestStore>().WaitingForVendorAsync();
        Assert.Equal(waiting.ToString(), page.ByTestId("waiting-count").Text());
        Assert.StartsWith(waiting.ToString(), page.ByTestId("approvals-waiting").Text());
        Assert.Contains("3 hours", page.QuerySelector($"[data-testid=queue-row][data-id='{first.Id}']")!.Text());

        var filtered = await approver.GetDocument("/vendor/approvals?customer=umbrella&kind=Access&state=waiting");
        Assert.Equal([second.Id], filtered.AllByTestId("queue-row").Select(r => long.Parse(r.GetAttribute("data-id")!)));
        var pending = await approver.GetDocument("/vendor/approvals?state=Pending&customer=acme");
        Assert.Contains(pending.AllByTestId("queue-row"), r => r.GetAttribute("data-id") == customerStep.Id.ToString());
    }

    [SkippableFact]
    public async Task CustomerUsers_CannotReachTheQueue_NorDecide_EvenByPostingDirectly()
    {
        var request = await Ask(app, DemoUsers.GlobexOwner, new RequestDraft { Kind = RequestKind.AddOn, AddOnCode = "extra-seats", Quantity = 1 });
        var owner = await PageClient.SignedInAs(app, DemoUsers.GlobexOwner);

        AssertRefused(await owner.Get("/vendor/approvals"));
        AssertRefused(await owner.Get($"/vendor/approvals/{request.Id}"));
        AssertRefused(await owner.PostDirect($"/vendor/approvals/{request.Id}?handler=Approve", "/customers/globex/requests",
            new() { ["Version"] = request.Version.ToString() }));
        Assert.True((await app.Get<RequestStore>().FindAsync(request.Id))!.IsPending);
    }

    [SkippableFact]
    public async Task Operators_MayLook_ButNotDecide()
    {
        var request = await Ask(app, DemoUsers.GlobexOwner, new RequestDraft { Kind = RequestKind.AddOn, AddOnCode = "extra-seats", Quantity = 2 }); // not the same as the pending × 1 of the test above
        var op = await PageClient.SignedInAs(app, DemoUsers.Operator);

        var page = await op.GetDocument($"/vendor/approvals/{request.Id}");
        Assert.Empty(page.AllByTestId("decide"));
        var post = await op.PostDirect($"/vendor/approvals/{request.Id}?handler=Approve", $"/vendor/approvals/{request.Id}",
            new() { ["Version"] = request.Version.ToString() });

        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.True((await app.Get<RequestStore>().FindAsync(request.Id))!.IsPending);
    }
}

public sealed class SqliteIndexTests(SqliteApp app) : IndexTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlIndexTests(PostgreSqlApp app) : IndexTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerIndexTests(SqlServerApp app) : IndexTests(app), IClassFixture<SqlServerApp>;

/// <summary>The queue past 200 requests: pages in a stable order, search by customer, filters by kind and age, bad parameters.</summary>
public abstract class QueuePagingTests(AppFactory app)
{
    private static long RowId(AngleSharp.Dom.IElement row) => long.Parse(row.GetAttribute("data-id")!, System.Globalization.CultureInfo.InvariantCulture);

    private async Task<(IReadOnlyList<long> Initech, IReadOnlyList<long> Umbrella)> Seed()
    {
        // 230 recent add-on requests from Initech, ten to a minute; 50 week-old access requests from Umbrella.
        var initech = await LongListKit.Requests(app, "initech", DemoUsers.InitechOwner, 230, app.Now.AddHours(-3));
        var umbrella = await LongListKit.Requests(app, "umbrella", DemoUsers.UmbrellaOwner, 50, app.Now.AddDays(-8), kind: "Access");
        return (initech, umbrella);
    }

    [SkippableFact]
    public async Task Queue_PastTwoHundred_ShowsEveryWaitingRequestOnce_OldestFirst_FortyToAPage()
    {
        var (initech, umbrella) = await Seed();
        var approver = await PageClient.SignedInAs(app, DemoUsers.Approver);

        var pages = await LongListKit.AllPages(approver, "/vendor/approvals", "queue-row", r => RowId(r).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var shown = LongListKit.AssertNoDuplicates(pages).Select(long.Parse).ToList();

        var waiting = await app.Get<RequestStore>().WaitingForVendorAsync();
        Assert.True(waiting > 280);
        Assert.Equal(waiting, shown.Count);
        Assert.Superset(initech.Concat(umbrella).ToHashSet(), shown.ToHashSet());
        Assert.All(pages.SkipLast(1), p => Assert.Equal(IndexModelPageSize, p.Keys.Count));
        Assert.Equal($"41–80 of {waiting.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}", pages[1].Range);
        // Oldest first across pages: Umbrella's week-old requests before Initech's, and ties at one minute by id.
        var created = await CreatedAt(shown);
        Assert.Equal(shown, shown.OrderBy(id => created[id]).ThenBy(id => id));
        Assert.True(shown.IndexOf(umbrella.Max()) < shown.IndexOf(initech.Min()));
    }

    private const int IndexModelPageSize = SelfService.Pages.Staff.Approvals.IndexModel.PageSize;

    private async Task<Dictionary<long, DateTime>> CreatedAt(IEnumerable<long> ids)
    {
        await using var c = await app.Get<SelfService.Data.Db>().OpenAsync();
        var rows = await Dapper.SqlMapper.QueryAsync<(long Id, DateTime CreatedAt)>(c, "select Id, CreatedAt from AccessRequest");
        return rows.Where(r => ids.Contains(r.Id)).ToDictionary(r => r.Id, r => r.CreatedAt);
    }

    [SkippableFact]
    public async Task Queue_SearchedByCustomerNameOrKey_FilteredByKindAndAge_KeepsTheFiltersOnEveryPage()
    {
        var (initech, umbrella) = await Seed();
        var approver = await PageClient.SignedInAs(app, DemoUsers.Approver);

        // By part of the name, any case: Initech's own 230 (and any Initech request of the demo), over six pages, each link keeping the filter.
        var byName = await LongListKit.AllPages(approver, "/vendor/approvals?q=INITE&kind=AddOn", "queue-row", r => RowId(r).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var named = LongListKit.AssertNoDuplicates(byName).Select(long.Parse).ToHashSet();
        Assert.Superset(initech.ToHashSet(), named);
        Assert.Empty(named.Intersect(umbrella));
        Assert.True(byName.Count >= 6);
        Assert.All(byName.Skip(1), p => { Assert.Contains("q=INITE", p.Url, StringComparison.Ordinal); Assert.Contains("kind=AddOn", p.Url, StringComparison.Ordinal); });
        var first = await approver.GetDocument("/vendor/approvals?q=INITE&kind=AddOn");
        Assert.Equal("INITE", ((IHtmlInputElement)first.QuerySelector("#f-q")!).Value);
        Assert.Equal("AddOn", ((IHtmlSelectElement)first.QuerySelector("#f-kind")!).Value);

        // By key, and by kind: the access requests are Umbrella's only.
        var byKey = LongListKit.AssertNoDuplicates(await LongListKit.AllPages(approver, "/vendor/approvals?q=umbrella&kind=access", "queue-row", r => r.GetAttribute("data-id")!));
        Assert.Superset(umbrella.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToHashSet(), byKey.ToHashSet());
        Assert.DoesNotContain(byKey, id => initech.Contains(long.Parse(id)));

        // By age: older than 7 days holds Umbrella's week-old requests and none of Initech's from three hours ago.
        var old = LongListKit.AssertNoDuplicates(await LongListKit.AllPages(approver, "/vendor/approvals?age=7d", "queue-row", r => r.GetAttribute("data-id")!)).Select(long.Parse).ToHashSet();
        Assert.Superset(umbrella.ToHashSet(), old);
        Assert.Empty(old.Intersect(initech));
        var day = LongListKit.AssertNoDuplicates(await LongListKit.AllPages(approver, "/vendor/approvals?age=1d&q=initech", "queue-row", r => r.GetAttribute("data-id")!));
        Assert.DoesNotContain(day, id => initech.Contains(long.Parse(id)));
    }

    [SkippableTheory]
    [InlineData("p=-3", "is not a page number")]
    [InlineData("p=abc", "is not a page number")]
    [InlineData("p=0", "is not a page number")]
    [InlineData("p=99999999999999999999", "showing the last")]
    [InlineData("p=500", "showing the last")]
    [InlineData("kind=junk", "There is no kind")]
    [InlineData("kind=1", "There is no kind")]
    [InlineData("age=forever", "There is no age")]
    [InlineData("state=%3Cscript%3E", "There is no state")]
    [InlineData("q=%25%25%5B_", null)]
    public async Task Queue_BadParameters_ShowThePageWithAMessage_NeverAnError(string query, string? message)
    {
        await LongListKit.Requests(app, "hooli", DemoUsers.HooliOwner, 45, app.Now.AddDays(-1));
        var approver = await PageClient.SignedInAs(app, DemoUsers.Approver);

        var page = await approver.GetDocument("/vendor/approvals?" + query);

        var said = string.Join(" ", page.AllByTestId("page-message").Concat(page.AllByTestId("filter-problem")).Select(e => e.TextContent));
        if (message is null) Assert.Equal("", said);
        else Assert.Contains(message, said, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", page.Body!.InnerHtml, StringComparison.Ordinal);
        if (query.StartsWith("p=", StringComparison.Ordinal))
        {
            var shown = page.AllByTestId("queue-row").Count();
            Assert.InRange(shown, 1, IndexModelPageSize);
        }
    }
}

public sealed class SqliteQueuePagingTests(SqliteApp app) : QueuePagingTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlQueuePagingTests(PostgreSqlApp app) : QueuePagingTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerQueuePagingTests(SqlServerApp app) : QueuePagingTests(app), IClassFixture<SqlServerApp>;
