using SelfService.Demo;
using SelfService.Entitlements;
using SelfService.Requests;
using SelfService.Tests.Infrastructure;
using static SelfService.Tests.Requests.RequestTestKit;

namespace SelfService.Tests.Requests;

/// <summary>Temporary grants and the jobs, on a clock the tests move: nothing sleeps. Each test has its own demo.</summary>
public sealed class RequestJobsTests
{
    [Fact]
    public async Task TemporaryGrant_IsEffectiveUpToItsEnd_NotOneTickAfter_WithoutTheJob_ThenTheJobExpiresItOnce()
    {
        using var app = new AppFactory();
        var entitlements = app.Get<EntitlementService>();
        var start = app.Now;
        var request = await Ask(app, DemoUsers.UmbrellaOwner, new RequestDraft { Kind = RequestKind.Access, FeatureHandle = "4k-streaming", DurationDays = 7 });
        var approved = await Decide(app, DemoUsers.Approver, request, new RequestDecision(true));
        Assert.Equal(RequestState.Approved, approved.Request!.State);
        var end = start.AddDays(7);

        // The demo's own 4K grant ends in 2 days; from then on only the new grant gives 4K.
        Assert.True((await entitlements.ForCustomerAsync("umbrella", end.AddTicks(-1)))!.For("4k-streaming")!.HasAccess);
        Assert.False((await entitlements.ForCustomerAsync("umbrella", end))!.For("4k-streaming")?.HasAccess ?? false);

        app.Clock.SetUtcNow(new DateTimeOffset(end));
        Assert.False((await entitlements.ForCustomerAsync("umbrella"))!.For("4k-streaming")?.HasAccess ?? false);
        var grantId = approved.Request.ProvisionedGrantId!.Value;
        Assert.Null(await Scalar<DateTime?>(app, "select ExpiredAt from EntitlementGrant where Id = @grantId", new { grantId }));

        await app.Get<ExpireGrantsJob>().Execute(CancellationToken.None);

        Assert.Equal(end, await Scalar<DateTime?>(app, "select ExpiredAt from EntitlementGrant where Id = @grantId", new { grantId }));
        Assert.Equal(1, await Scalar<long>(app, "select count(*) from Notification where DedupKey = @key", new { key = $"grant-{grantId}-expired" }));
        var audits = await AuditCount(app, "grant.expired");
        var notes = await Scalar<long>(app, "select count(*) from Notification");
        Assert.Equal(2, audits); // the demo's grant and this one

        await app.Get<ExpireGrantsJob>().Execute(CancellationToken.None);

        Assert.Equal(audits, await AuditCount(app, "grant.expired"));
        Assert.Equal(notes, await Scalar<long>(app, "select count(*) from Notification"));
        Assert.Equal(end, await Scalar<DateTime?>(app, "select ExpiredAt from EntitlementGrant where Id = @grantId", new { grantId }));
    }

    [Fact]
    public async Task StaleRequest_ExpiresAfterFourteenDays_AndTheRequesterIsNotified_Once()
    {
        using var app = new AppFactory();
        var request = await Ask(app, DemoUsers.AcmeMember, new RequestDraft { Kind = RequestKind.AddOn, AddOnCode = "storage-pack", Quantity = 1 });
        var job = app.Get<ExpireStaleRequestsJob>();

        app.Clock.Advance(TimeSpan.FromDays(14) - TimeSpan.FromMinutes(1));
        await job.Execute(CancellationToken.None);
        Assert.True((await app.Get<RequestStore>().FindAsync(request.Id))!.IsPending);

        app.Clock.Advance(TimeSpan.FromMinutes(2));
        await job.Execute(CancellationToken.None);
        await job.Execute(CancellationToken.None);

        var expired = (await app.Get<RequestStore>().FindAsync(request.Id))!;
        Assert.Equal(RequestState.Expired, expired.State);
        Assert.Equal(1, await AuditCount(app, "request.expired"));
        Assert.Equal(1, await Scalar<long>(app, "select count(*) from Notification where Kind = 'request.expired' and UserId = @user", new { user = request.RequestedByUserId }));
    }

    [Fact]
    public async Task StaleAge_IsConfigurable()
    {
        using var app = new AppFactory();
        app.Settings["SelfService:Requests:StaleAfterDays"] = "2";
        var request = await Ask(app, DemoUsers.GlobexOwner, new RequestDraft { Kind = RequestKind.Plan, PlanCode = "enterprise" });
        app.Clock.Advance(TimeSpan.FromDays(2.5));
        await app.Get<ExpireStaleRequestsJob>().Execute(CancellationToken.None);
        Assert.Equal(RequestState.Expired, (await app.Get<RequestStore>().FindAsync(request.Id))!.State);
    }

    [Fact]
    public async Task GrantEndingWithinThreeDays_IsAnnouncedOnce_WithALinkToExtendIt()
    {
        using var app = new AppFactory();
        var job = app.Get<GrantEndingReminderJob>();

        await job.Execute(CancellationToken.None);
        app.Clock.Advance(TimeSpan.FromHours(5));
        await job.Execute(CancellationToken.None);

        // Umbrella's 4K grant ends in 2 days: one reminder. Hooli's trial ends in 27: none.
        var reminders = (await Scalar<long>(app, "select count(*) from Notification where Kind = 'grant.ending'"));
        Assert.Equal(1, reminders);
        var link = await Scalar<string>(app, "select Link from Notification where Kind = 'grant.ending'");
        Assert.StartsWith("/customers/umbrella/requests/new?kind=access&feature=4k-streaming&days=7", link);
        Assert.Contains("&extends=", link);
    }
}
