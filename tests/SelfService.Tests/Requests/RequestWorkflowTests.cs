using SelfService.Demo;
using SelfService.Entitlements;
using SelfService.Requests;
using SelfService.Tests.Infrastructure;
using static SelfService.Tests.Requests.RequestTestKit;

namespace SelfService.Tests.Requests;

/// <summary>The workflow on one shared demo: the steps, policy approval, and exactly-once provisioning under concurrency.</summary>
public abstract class RequestWorkflowTests(AppFactory app)
{
    [SkippableFact]
    public async Task TwentyConcurrentFinalApprovals_ProvisionExactlyOnce()
    {
        var request = await Ask(app, DemoUsers.AcmeOwner, new RequestDraft { Kind = RequestKind.AddOn, AddOnCode = "extra-seats", Quantity = 2 });
        Assert.Equal(RequestStep.Vendor, request.Step);
        var before = await AddOnQuantity(app, "acme", "extra-seats");
        var provisionedBefore = await AuditCount(app, "subscription.add-on-changed");
        var approver = await Actor(app, DemoUsers.Approver);
        var service = app.Get<RequestDecisions>();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            Task.Run(() => service.DecideAsync(request.Id, request.Version, approver, new RequestDecision(true)))));

        Assert.Equal(1, outcomes.Count(o => o.Status == OutcomeStatus.Done));
        Assert.Equal(19, outcomes.Count(o => o.Status == OutcomeStatus.AlreadyDecided));
        Assert.All(outcomes.Where(o => !o.Succeeded), o => Assert.Contains("already decided", o.Message));
        Assert.Equal(before + 2, await AddOnQuantity(app, "acme", "extra-seats"));
        Assert.Equal(provisionedBefore + 1, await AuditCount(app, "subscription.add-on-changed"));
        var history = await app.Get<RequestStore>().EventsAsync(request.Id);
        Assert.Single(history, e => e.Action == RequestActions.Provisioned);

        // A retried approval (the same form sent again) provisions nothing either.
        var retry = await service.DecideAsync(request.Id, request.Version, approver, new RequestDecision(true));
        Assert.Equal(OutcomeStatus.AlreadyDecided, retry.Status);
        Assert.Equal(before + 2, await AddOnQuantity(app, "acme", "extra-seats"));
    }

    [SkippableFact]
    public async Task OwnerAsksForAnAddOnWithoutApproval_IsApprovedByPolicyAtOnce_AndRecordedSo()
    {
        var before = (await app.Get<EntitlementService>().ForCustomerAsync("globex"))!.For("api-calls")!.Limit;

        var request = await Ask(app, DemoUsers.GlobexOwner, new RequestDraft { Kind = RequestKind.AddOn, AddOnCode = "api-calls-pack", Quantity = 1 });

        Assert.Equal(RequestState.Approved, request.State);
        var after = (await app.Get<EntitlementService>().ForCustomerAsync("globex"))!.For("api-calls")!.Limit;
        Assert.Equal(before + 50_000, after);
        var actions = (await app.Get<RequestStore>().EventsAsync(request.Id)).Select(e => e.Action).ToList();
        Assert.Equal([RequestActions.Submitted, RequestActions.ApprovedByPolicy, RequestActions.Provisioned], actions);
    }

    [SkippableFact]
    public async Task MembersRequest_WaitsForOwnerOrAdmin_ThenTheVendor_AndNotifiesEach()
    {
        var request = await Ask(app, DemoUsers.AcmeMember, new RequestDraft { Kind = RequestKind.Plan, PlanCode = "enterprise" });
        Assert.Equal(RequestStep.Customer, request.Step);
        Assert.Equal(2, await Scalar<long>(app, "select count(*) from Notification where Kind = 'request.needs-approval' and Link like @link", new { link = $"%/requests/{request.Id}" }));

        // The vendor cannot skip the customer's step.
        Assert.Equal(OutcomeStatus.Forbidden, (await Decide(app, DemoUsers.Approver, request, new RequestDecision(true))).Status);

        var spend = await Decide(app, DemoUsers.AcmeAdmin, request, new RequestDecision(true));
        Assert.Equal(RequestStep.Vendor, spend.Request!.Step);
        var final = await Decide(app, DemoUsers.Approver, spend.Request, new RequestDecision(true));
        Assert.Equal(RequestState.Approved, final.Request!.State);
        Assert.Equal("Enterprise", (await app.Get<EntitlementService>().ForCustomerAsync("acme"))!.Plan.Name);
        Assert.Equal(1, await Scalar<long>(app, "select count(*) from Notification where DedupKey = @key and UserId is null", new { key = $"request-{request.Id}-decided" }));
    }

    [SkippableFact]
    public async Task Rejection_NeedsAReason_AndChangesNothingWithoutOne()
    {
        var request = await Ask(app, DemoUsers.InitechOwner, new RequestDraft { Kind = RequestKind.AddOn, AddOnCode = "extra-seats", Quantity = 1 });

        var missing = await Decide(app, DemoUsers.Approver, request, new RequestDecision(false, "  "));
        Assert.Equal(OutcomeStatus.Invalid, missing.Status);
        Assert.Contains("Reason", missing.Errors!.Keys);
        Assert.True((await app.Get<RequestStore>().FindAsync(request.Id))!.IsPending);

        var rejected = await Decide(app, DemoUsers.Approver, request, new RequestDecision(false, "Seats come with the Enterprise plan."));
        Assert.Equal(RequestState.Rejected, rejected.Request!.State);
        Assert.Equal(0, await AddOnQuantity(app, "initech", "extra-seats"));

        // Nobody decides it again, nor cancels it.
        Assert.Equal(OutcomeStatus.AlreadyDecided, (await Decide(app, DemoUsers.Approver, rejected.Request, new RequestDecision(true))).Status);
        var cancel = await app.Get<RequestCancellations>().CancelAsync(request.Id, rejected.Request.Version, await Actor(app, DemoUsers.InitechOwner));
        Assert.Equal(OutcomeStatus.AlreadyDecided, cancel.Status);
    }

    [SkippableFact]
    public async Task Approver_MayLowerTheQuantity_NotRaiseIt()
    {
        var request = await Ask(app, DemoUsers.HooliOwner, new RequestDraft { Kind = RequestKind.AddOn, AddOnCode = "storage-pack", Quantity = 4 });
        // storage-pack needs no approval: Hooli's Owner got it at once, so ask for something that does.
        Assert.Equal(RequestState.Approved, request.State);
        var access = await Ask(app, DemoUsers.HooliOwner, new RequestDraft { Kind = RequestKind.Access, FeatureHandle = "api-calls", Amount = 100_000, DurationDays = 10 });

        var raised = await Decide(app, DemoUsers.Approver, access, new RequestDecision(true, Quantity: 200_000, DurationDays: 11));
        Assert.Equal(OutcomeStatus.Invalid, raised.Status);
        Assert.Equal(["DurationDays", "Quantity"], raised.Errors!.Keys.Order());

        var lowered = await Decide(app, DemoUsers.Approver, access, new RequestDecision(true, Quantity: 50_000, DurationDays: 3));
        Assert.Equal(RequestState.Approved, lowered.Request!.State);
        Assert.Equal(50_000, lowered.Request.ApprovedQuantity);
        var grant = (await app.Get<EntitlementService>().ForCustomerAsync("hooli"))!.Grants.Single(g => g.Id == lowered.Request.ProvisionedGrantId);
        Assert.Equal(50_000, grant.Amount);
        Assert.Equal(app.Now.AddDays(3), grant.ValidUntil);
    }
}

public sealed class SqliteRequestWorkflowTests(SqliteApp app) : RequestWorkflowTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlRequestWorkflowTests(PostgreSqlApp app) : RequestWorkflowTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerRequestWorkflowTests(SqlServerApp app) : RequestWorkflowTests(app), IClassFixture<SqlServerApp>;
