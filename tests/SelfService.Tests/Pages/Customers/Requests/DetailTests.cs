using System.Net;
using SelfService.Demo;
using SelfService.Requests;
using SelfService.Tests.Infrastructure;
using static SelfService.Tests.Requests.RequestTestKit;

namespace SelfService.Tests.Pages.Customers.Requests;

/// <summary>Who may see and decide a request, tried by posting the forms directly, as a hand-made request could.</summary>
public abstract class DetailTests(AppFactory app)
{
    // Counted per database: each subclass's app is a database of its own, and Extra Seats allows only 9 more there.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<AppFactory, int> Asked = new();

    /// <summary>A new pending request each time: a quantity no other pending one has (an identical one would be refused).</summary>
    private Task<CustomerRequest> MembersSeatsRequest() =>
        Ask(app, DemoUsers.AcmeMember, new RequestDraft { Kind = RequestKind.AddOn, AddOnCode = "extra-seats", Quantity = Asked.AddOrUpdate(app, 1, (_, n) => n + 1) });

    [SkippableFact]
    public async Task Member_CannotApproveTheSpend_EvenByPostingTheFormDirectly()
    {
        var request = await MembersSeatsRequest();
        var member = await PageClient.SignedInAs(app, DemoUsers.AcmeMember);
        var page = await member.GetDocument($"/customers/acme/requests/{request.Id}");
        Assert.Empty(page.AllByTestId("approve-spend"));

        var response = await member.PostDirect($"/customers/acme/requests/{request.Id}?handler=Approve", "/customers/acme/requests",
            new() { ["Version"] = request.Version.ToString() });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(RequestStep.Customer, (await app.Get<RequestStore>().FindAsync(request.Id))!.Step);
    }

    [SkippableFact]
    public async Task OtherCustomersUser_CannotSeeOrDecideTheRequest()
    {
        var request = await MembersSeatsRequest();
        var other = await PageClient.SignedInAs(app, DemoUsers.InitechOwner);

        Assert.Equal(HttpStatusCode.NotFound, (await other.Get($"/customers/acme/requests/{request.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.Get($"/customers/initech/requests/{request.Id}")).StatusCode);
        var viaOwnUrl = await other.PostDirect($"/customers/initech/requests/{request.Id}?handler=Approve", "/customers/initech/requests",
            new() { ["Version"] = request.Version.ToString() });
        var viaTheirUrl = await other.PostDirect($"/customers/acme/requests/{request.Id}?handler=Reject", "/customers/initech/requests",
            new() { ["Version"] = request.Version.ToString(), ["Reason"] = "no" });

        Assert.Equal(HttpStatusCode.NotFound, viaOwnUrl.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, viaTheirUrl.StatusCode);
        Assert.True((await app.Get<RequestStore>().FindAsync(request.Id))!.IsPending);
        var list = await (await other.Get("/customers/initech/requests")).Content.ReadAsStringAsync();
        Assert.DoesNotContain($"#{request.Id} ", list);
    }

    [SkippableFact]
    public async Task Admin_ApprovesTheSpend_ThenTheRequestWaitsForTheVendor()
    {
        var request = await MembersSeatsRequest();
        var admin = await PageClient.SignedInAs(app, DemoUsers.AcmeAdmin);
        var page = await admin.GetDocument($"/customers/acme/requests/{request.Id}");

        var response = await admin.Submit(page.Form("form[data-testid=approve-form]"), new());

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var after = await admin.GetDocument($"/customers/acme/requests/{request.Id}");
        Assert.Equal("Waiting for the vendor", after.ByTestId("request-state").Text());
        Assert.Contains(after.AllByTestId("history-step"), s => s.GetAttribute("data-action") == RequestActions.ApprovedByCustomer);

        // The same form again (a double click, a retry) is told it changed.
        var again = await admin.Submit(page.Form("form[data-testid=approve-form]"), new());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("changed since you opened it", (await PageClient.Parse(again)).ByTestId("already-decided").Text());
    }

    [SkippableFact]
    public async Task Admin_RejectsWithoutAReason_SeesTheErrorBesideTheField_AndNothingChanges()
    {
        var request = await MembersSeatsRequest();
        var admin = await PageClient.SignedInAs(app, DemoUsers.AcmeAdmin);
        var page = await admin.GetDocument($"/customers/acme/requests/{request.Id}");

        var response = await admin.Submit(page.Form("form[data-testid=reject-form]"), new() { ["Reason"] = "" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Give a reason", (await PageClient.Parse(response)).ByTestId("reason-error").Text());
        Assert.True((await app.Get<RequestStore>().FindAsync(request.Id))!.IsPending);
    }

    [SkippableFact]
    public async Task Requester_CancelsAPendingRequest_AndNobodyCanDecideItAfterwards()
    {
        var request = await MembersSeatsRequest();
        var member = await PageClient.SignedInAs(app, DemoUsers.AcmeMember);
        var page = await member.GetDocument($"/customers/acme/requests/{request.Id}");

        Assert.Equal(HttpStatusCode.Redirect, (await member.Submit(page.Form("form[data-testid=cancel-form]"), new())).StatusCode);
        Assert.Equal(RequestState.Cancelled, (await app.Get<RequestStore>().FindAsync(request.Id))!.State);

        var owner = await PageClient.SignedInAs(app, DemoUsers.AcmeOwner);
        var approve = await owner.PostDirect($"/customers/acme/requests/{request.Id}?handler=Approve", "/customers/acme/requests",
            new() { ["Version"] = (request.Version + 1).ToString() });
        Assert.Equal(HttpStatusCode.Conflict, approve.StatusCode);
        Assert.Contains("already decided", (await PageClient.Parse(approve)).ByTestId("already-decided").Text());
        Assert.Equal(RequestState.Cancelled, (await app.Get<RequestStore>().FindAsync(request.Id))!.State);
        Assert.Equal(1, await Scalar<long>(app, "select count(*) from AuditEntry where Kind = 'request.cancelled' and Subject = @s", new { s = $"request #{request.Id}" }));
    }

    [SkippableFact]
    public async Task CustomersAuditTrail_ShowsOnlyItsOwnEntries()
    {
        var request = await MembersSeatsRequest();
        var member = await PageClient.SignedInAs(app, DemoUsers.AcmeMember);
        var trail = await member.GetDocument("/customers/acme/audit");
        Assert.Contains(trail.AllByTestId("audit-entry"), e => e.Text().Contains($"request #{request.Id}"));

        var other = await PageClient.SignedInAs(app, DemoUsers.GlobexOwner);
        var theirs = await other.GetDocument("/customers/globex/audit");
        Assert.DoesNotContain(theirs.AllByTestId("audit-entry"), e => e.Text().Contains($"request #{request.Id}"));
        Assert.Equal(HttpStatusCode.NotFound, (await other.Get("/customers/acme/audit")).StatusCode);
    }
}

public sealed class SqliteDetailTests(SqliteApp app) : DetailTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlDetailTests(PostgreSqlApp app) : DetailTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerDetailTests(SqlServerApp app) : DetailTests(app), IClassFixture<SqlServerApp>;
