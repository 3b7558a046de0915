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
