using System.Net;
using AngleSharp.Html.Dom;
using SelfService.Demo;
using SelfService.Requests;
using SelfService.Tests.Infrastructure;
using static SelfService.Tests.Requests.RequestTestKit;

namespace SelfService.Tests.Pages.Staff.Approvals;

/// <summary>A request's page for approvers (<c>/vendor/approvals/{id}</c>): what changes, the usage behind it, approving (for less) and rejecting.</summary>
public abstract class DetailTests(AppFactory app)
{
    [SkippableFact]
    public async Task Detail_ShowsPlanBeforeAfterAndUsage_AndApprovingForLessProvisionsThat()
    {
        var request = await Ask(app, DemoUsers.InitechOwner, new RequestDraft { Kind = RequestKind.Access, FeatureHandle = "max-members", Amount = 10, DurationDays = 30 });
        var approver = await PageClient.SignedInAs(app, DemoUsers.Approver);
        var page = await approver.GetDocument($"/vendor/approvals/{request.Id}");

        Assert.StartsWith("Business", page.ByTestId("customer-plan").Text());
        var row = page.QuerySelector("[data-testid=impact-row][data-handle=max-members]")!;
        Assert.Equal("25 members", row.ByTestId("impact-before").Text());
        Assert.Equal("35 members", row.ByTestId("impact-after").Text());
        var usage = page.QuerySelector("[data-testid=usage-feature][data-handle=max-members]")!;
        Assert.Contains("member", usage.ByTestId("usage-period").Text()); // the seats assigned: Peter holds one
        Assert.NotEmpty(usage.QuerySelectorAll("meter"));

        var response = await approver.Submit(page.Form("form[data-testid=approve-form]"), new() { ["Quantity"] = "5", ["DurationDays"] = "7" });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var decided = (await app.Get<RequestStore>().FindAsync(request.Id))!;
        Assert.Equal(RequestState.Approved, decided.State);
        Assert.Equal(5, decided.ApprovedQuantity);
        Assert.Equal(7, decided.ApprovedDurationDays);
    }

    [SkippableFact]
    public async Task Reject_WithoutReason_ShowsTheErrorBesideTheField_AndNothingChanges()
    {
        var request = await Ask(app, DemoUsers.HooliOwner, new RequestDraft { Kind = RequestKind.Access, FeatureHandle = "api-calls", Amount = 1000, DurationDays = 3 });
        var approver = await PageClient.SignedInAs(app, DemoUsers.Approver);
        var page = await approver.GetDocument($"/vendor/approvals/{request.Id}");

        var response = await approver.Submit(page.Form("form[data-testid=reject-form]"), new() { ["Reason"] = "   " });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Give a reason", (await PageClient.Parse(response)).ByTestId("error-Reason").Text());
        Assert.True((await app.Get<RequestStore>().FindAsync(request.Id))!.IsPending);
    }
}

public sealed class SqliteDetailTests(SqliteApp app) : DetailTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlDetailTests(PostgreSqlApp app) : DetailTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerDetailTests(SqlServerApp app) : DetailTests(app), IClassFixture<SqlServerApp>;
