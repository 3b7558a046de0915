using System.Net;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Integration;

namespace SelfService.Tests.Accounts;

/// <summary>
/// A team holds at most its seat feature's effective limit (max-members: plan + add-ons + grants, at that instant) in
/// people and pending invitations. Globex is on Starter: 5 members, one of them its Owner.
/// </summary>
public abstract class SeatLimitTests(AppFactory app)
{
    private static async Task<AngleSharp.Html.Dom.IHtmlDocument> Invite(PageClient owner, string email)
    {
        var page = await owner.GetDocument("/customers/globex/team");
        var response = await owner.Submit(page.Form("form[data-testid=invite-form]"), new() { ["email"] = email, ["role"] = "Member" });
        return response.StatusCode == HttpStatusCode.Redirect ? await owner.GetDocument(response.Headers.Location!.OriginalString) : await PageClient.Parse(response);
    }

    [SkippableFact]
    public async Task InvitingPastTheLimit_IsRefusedWithTheCheapestWayToMore_AGrantAddsSeats_AndItsEndTakesEffectAtOnce()
    {
        var owner = await PageClient.SignedInAs(app, DemoUsers.GlobexOwner);
        for (var i = 1; i <= 4; i++) Assert.Contains("Invitation sent", (await Invite(owner, $"seat{i}@globex.example")).ByTestId("flash").Text());
        Assert.Contains("5 of 5 seats", (await owner.GetDocument("/customers/globex/team")).ByTestId("seats").Text());

        var full = await Invite(owner, "seat5@globex.example");
        var error = full.ByTestId("invite-email-error").Text();
        Assert.Contains("All 5 seats of Globex (max-members) are taken: 1 person and 4 pending invitations", error);
        // The cheapest way to a sixth seat: one Extra Seats add-on (+10 seats, $20 a month) rather than the Business plan.
        Assert.True(error.Contains("or ask for Extra Seats × 1 (+$20 a month)"), error);
        Assert.Equal("/customers/globex/requests/new?kind=addon&code=extra-seats&quantity=1", full.ByTestId("more-seats").GetAttribute("href"));

        // A grant of +5 seats for two days lets five more in...
        var crm = await ApiTestClient.Provisioner(app);
        var until = app.Clock.GetUtcNow().AddDays(2).ToString("yyyy-MM-ddTHH:mm:ssZ");
        var grant = await crm.Send(HttpMethod.Post, "/api/v1/customers/globex/grants",
            $$"""{"feature":"max-members","value":5,"validUntil":"{{until}}","reason":"Event staff"}""");
        Assert.Equal(HttpStatusCode.Created, grant.StatusCode);
        for (var i = 5; i <= 9; i++) Assert.Contains("Invitation sent", (await Invite(owner, $"seat{i}@globex.example")).ByTestId("flash").Text());
        Assert.Contains("All 10 seats", (await Invite(owner, "seat10@globex.example")).ByTestId("invite-email-error").Text());

        // ... and at its end the limit is 5 again at once: the invitations are kept, the page says what to do.
        app.Clock.Advance(TimeSpan.FromDays(2));
        var owner2 = await PageClient.SignedInAs(app, DemoUsers.GlobexOwner);
        var page = await owner2.GetDocument("/customers/globex/team");
        Assert.Contains("10 of 5 seats", page.ByTestId("seats").Text());
        Assert.Contains("no one new can be invited until fewer than 5 seats are taken", page.ByTestId("over-seats").Text());
        Assert.Equal(9, page.AllByTestId("invitation").Count());
        Assert.Contains("All 5 seats", (await Invite(owner2, "seat11@globex.example")).ByTestId("invite-email-error").Text());
    }

    [SkippableFact]
    public async Task AProductWithoutTheSeatFeature_HasNoSeatLimit()
    {
        var owner = await PageClient.SignedInAs(app, DemoUsers.UmbrellaOwner);
        var page = await owner.GetDocument("/customers/umbrella/team");
        Assert.Null(page.QuerySelector("[data-testid=seats]"));
    }
}

public sealed class SqliteSeatLimitTests(SqliteApp app) : SeatLimitTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlSeatLimitTests(PostgreSqlApp app) : SeatLimitTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerSeatLimitTests(SqlServerApp app) : SeatLimitTests(app), IClassFixture<SqlServerApp>;
