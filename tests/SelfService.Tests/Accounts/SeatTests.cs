using System.Net;
using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Dapper;
using SelfService.Api;
using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Identity;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Integration;
using SelfService.Tests.Pages.Staff;

namespace SelfService.Tests.Accounts;

/// <summary>
/// Assigned seats: max-members is held seat by seat by people of the team (the demo marks it so). Each test builds its own
/// team on Starter (5 members) so that the tests of one app never share seats.
/// </summary>
public abstract class SeatTests(AppFactory app)
{
    private const string Password = PageClient.DemoPassword;

    /// <summary>A customer on Starter with an Owner, an Admin and <paramref name="members"/> Members: their addresses, Owner first.</summary>
    private async Task<(string Key, IReadOnlyList<string> People)> NewTeam(string key, int members, string plan = "starter")
    {
        var snapshot = await app.Get<CatalogStore>().SnapshotAsync();
        var starter = snapshot.CurrentPlans.Single(p => p.Code == plan);
        var people = new List<string> { $"owner@{key}.example", $"admin@{key}.example" };
        people.AddRange(Enumerable.Range(1, members).Select(i => $"member{i}@{key}.example"));
        await app.Get<Db>().WriteAsync(async (c, tx) =>
        {
            var now = app.Now;
            var customerId = await app.Get<CustomerStore>().CreateCustomerAsync(c, tx, key, $"Team {key}", now.AddDays(-40));
            await app.Get<SubscriptionChanges>().InsertSubscriptionAsync(c, tx, customerId, starter.Id, SubscriptionStatus.Active, 1, now.AddDays(-40), now);
            foreach (var (email, i) in people.Select((e, i) => (e, i)))
            {
                var role = i == 0 ? Roles.Owner : i == 1 ? Roles.Admin : Roles.Member;
                await app.Get<UserStore>().CreateAsync(c, tx, new AppUser { Email = email, DisplayName = $"Person {i}", Role = role, CustomerId = customerId }, Password, now);
            }
        });
        return (key, people);
    }

    private static async Task<IHtmlDocument> Assign(PageClient client, string key, string email)
    {
        var page = await client.GetDocument($"/customers/{key}/team");
        var response = await client.Submit(page.Form("[data-testid=seat-pool][data-handle=max-members] form[data-testid=assign-form]"), new() { ["email"] = email });
        return response.StatusCode == HttpStatusCode.Redirect ? await client.GetDocument(response.Headers.Location!.OriginalString) : await PageClient.Parse(response);
    }

    private static async Task<JsonElement> Check(HttpClient api, string key, string? user, HttpStatusCode expected = HttpStatusCode.OK) =>
        await (await api.GetAsync($"/api/v1/customers/{key}/entitlements/max-members" + (user is null ? "" : $"?user={Uri.EscapeDataString(user)}"))).JsonOf(expected);

    private Task<long> Seats(string key) =>
        app.Scalar<long>("select count(*) from SeatAssignment s join Customer c on c.Id = s.CustomerId where c.ExternalKey = @key", new { key });

    [SkippableFact]
    public async Task AssigningPastTheLimit_IsRefusedWithTheCheapestWayToMore_AndAMemberSeesTheHoldersButCannotChange()
    {
        var (key, people) = await NewTeam("seats-limit", members: 4);
        var owner = await PageClient.SignedInAs(app, people[0]);
        foreach (var email in people.Take(5)) Assert.Contains($"{email} now holds a seat", (await Assign(owner, key, email)).ByTestId("flash").Text());
        var full = await owner.GetDocument($"/customers/{key}/team");
        Assert.Contains("5 of 5 seats assigned", full.ByTestId("seats").Text());

        var newcomer = $"member5@{key}.example";
        await app.Get<Db>().WriteAsync(async (c, tx) =>
        {
            var id = await c.ExecuteScalarAsync<long>("select Id from Customer where ExternalKey = @key", new { key }, tx);
            await app.Get<UserStore>().CreateAsync(c, tx, new AppUser { Email = newcomer, DisplayName = "Late Joiner", Role = Roles.Member, CustomerId = id }, Password, app.Now);
        });
        var refused = await Assign(owner, key, newcomer);
        var error = refused.ByTestId("assign-error").Text();
        Assert.Contains("All 5 seats of Team members (max-members) are assigned.", error);
        // The cheapest way to a sixth seat: one Extra Seats add-on (+10 seats, $20 a month) rather than the Business plan.
        Assert.True(error.Contains("ask for Extra Seats × 1 (+$20 a month)"), error);
        Assert.Equal($"/customers/{key}/requests/new?kind=addon&code=extra-seats&quantity=1", refused.ByTestId("more-seats").GetAttribute("href"));
        Assert.Equal(5, await Seats(key));

        // The usage is the seats assigned, on the check API and the usage page.
        var api = await ApiTestClient.Reader(app);
        var check = await Check(api, key, null);
        Assert.Equal(5m, check.GetProperty("usage").GetDecimal());
        Assert.Equal(5, check.GetProperty("assigned").GetInt32());
        Assert.False(check.GetProperty("hasAccess").GetBoolean());
        var usagePage = await owner.GetDocument($"/customers/{key}/usage");
        var card = usagePage.QuerySelector("[data-testid=usage-card][data-handle=max-members]")!;
        Assert.Equal("5", card.ByTestId("usage-value").GetAttribute("data-value"));
        Assert.Equal("5", card.ByTestId("usage-cap").Text());

        var member = await PageClient.SignedInAs(app, people[2]);
        var seen = await member.GetDocument($"/customers/{key}/team");
        Assert.Equal(people.Take(5), seen.AllByTestId("holder").Select(r => r.GetAttribute("data-email")));
        Assert.Null(seen.QuerySelector("[data-testid=assign-form]"));
        Assert.Null(seen.QuerySelector("[data-testid=unassign]"));
        var posted = await member.PostDirect($"/customers/{key}/team?handler=Assign", $"/customers/{key}/team", new() { ["feature"] = "max-members", ["email"] = newcomer });
        Assert.Contains("Only Owners and Admins assign seats", (await PageClient.Parse(posted)).ByTestId("form-error").Text());

        var audit = await ApiTestClient.Audit(app, key);
        Assert.Equal(5, audit.Count(e => e.Kind == "seat.assigned"));
        var activity = await owner.GetDocument($"/customers/{key}/audit");
        Assert.Contains("seat max-members", activity.QuerySelector("main")!.Text());
    }

    [SkippableFact]
    public async Task TwoAssignmentsOfTheLastSeatAtOnce_GiveItToOne()
    {
        var (key, people) = await NewTeam("seats-race", members: 6);
        var owner = await PageClient.SignedInAs(app, people[0]);
        var admin = await PageClient.SignedInAs(app, people[1]);
        foreach (var email in people.Take(4)) await Assign(owner, key, email);
        var (a, b) = (people[4], people[5]);

        for (var round = 0; round < 3; round++)
        {
            var ownerPage = await owner.GetDocument($"/customers/{key}/team");
            var adminPage = await admin.GetDocument($"/customers/{key}/team");
            const string form = "[data-testid=seat-pool][data-handle=max-members] form[data-testid=assign-form]";
            var responses = await Task.WhenAll(
                owner.Submit(ownerPage.Form(form), new() { ["email"] = a }),
                admin.Submit(adminPage.Form(form), new() { ["email"] = b }));
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Redirect);
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
            Assert.Equal(5, await Seats(key));
            // Free the seat again for the next round.
            var holder = await app.Scalar<long>("select s.UserId from SeatAssignment s join AppUser u on u.Id = s.UserId where u.Email in (@a, @b)", new { a, b });
            var page = await owner.GetDocument($"/customers/{key}/team");
            var unassign = page.QuerySelectorAll<IHtmlFormElement>("form").First(f => f.QuerySelector($"input[name=userId][value='{holder}']") is not null && f.Action.Contains("Unassign"));
            await owner.Submit(unassign, new());
            Assert.Equal(4, await Seats(key));
        }
    }

    [SkippableFact]
    public async Task TheCheckApi_AnswersPerPerson_HolderYes_OtherNoSeat_WithLimitAndAssigned()
    {
        var (key, people) = await NewTeam("seats-check", members: 1);
        var owner = await PageClient.SignedInAs(app, people[0]);
        await Assign(owner, key, people[0]);
        await Assign(owner, key, people[1]);
        var api = await ApiTestClient.Reader(app);

        var holder = await Check(api, key, people[1].ToUpperInvariant());
        Assert.True(holder.GetProperty("hasAccess").GetBoolean());
        Assert.Equal(JsonValueKind.Null, holder.GetProperty("reason").ValueKind);
        Assert.Equal(5, holder.GetProperty("limit").GetInt64());
        Assert.Equal(2, holder.GetProperty("assigned").GetInt32());
        Assert.Equal(people[1], holder.GetProperty("user").GetString());

        var other = await Check(api, key, people[2]);
        Assert.False(other.GetProperty("hasAccess").GetBoolean());
        Assert.Equal("no-seat", other.GetProperty("reason").GetString());
        Assert.Equal(5, other.GetProperty("limit").GetInt64());
        Assert.Equal(2, other.GetProperty("assigned").GetInt32());

        var stranger = await (await api.GetAsync($"/api/v1/customers/{key}/entitlements/max-members?user=nobody@{key}.example")).Problem(HttpStatusCode.NotFound, ApiProblems.NotFound);
        Assert.Contains($"nobody@{key}.example", stranger.GetProperty("detail").GetString());
        var malformed = await (await api.GetAsync($"/api/v1/customers/{key}/entitlements/max-members?user=not-an-address")).Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);
        Assert.Equal(["user"], malformed.ErrorFields());
        var notSeats = await (await api.GetAsync($"/api/v1/customers/{key}/entitlements/api-calls?user={people[0]}")).Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);
        Assert.Contains("not held as assigned seats", notSeats.GetProperty("errors").GetProperty("user")[0].GetString());

        // Removing a person frees their seat: the check and the count say so at once, and the audit says why.
        var page = await owner.GetDocument($"/customers/{key}/team");
        var remove = page.QuerySelectorAll<IHtmlFormElement>("form").First(f => f.Action.Contains("Remove") && f.QuerySelector($"input[name=userId]")?.GetAttribute("value") is { } v
            && page.QuerySelector($"[data-testid=person][data-email='{people[1]}'] input[name=userId][value='{v}']") is not null);
        await owner.Submit(remove, new());
        Assert.Equal(1, (await Check(api, key, null)).GetProperty("assigned").GetInt32());
        Assert.Contains(await ApiTestClient.Audit(app, key), e => e.Kind == "seat.unassigned" && e.OldValue == people[1] && e.Reason == "removed from the team");
    }

    [SkippableFact]
    public async Task AGrantOfFiveSeats_LetsFiveMoreBeAssigned_AndItsEndFlagsTheExtrasAtThatInstant()
    {
        var (key, people) = await NewTeam("seats-grant", members: 9);
        var owner = await PageClient.SignedInAs(app, people[0]);
        foreach (var email in people.Take(5)) await Assign(owner, key, email);

        var crm = await ApiTestClient.Provisioner(app);
        var soon = app.Clock.GetUtcNow().AddMinutes(20); // within the session's 30 idle minutes
        var until = soon.AddTicks(-(soon.Ticks % TimeSpan.TicksPerSecond));
        var grant = await crm.Send(HttpMethod.Post, $"/api/v1/customers/{key}/grants",
            $$"""{"feature":"max-members","value":5,"validUntil":"{{until:yyyy-MM-ddTHH:mm:ssZ}}","reason":"Event staff"}""");
        Assert.Equal(HttpStatusCode.Created, grant.StatusCode);
        foreach (var email in people.Skip(5).Take(5)) Assert.Contains("now holds a seat", (await Assign(owner, key, email)).ByTestId("flash").Text());
        var extra = $"member10@{key}.example";
        await app.Get<Db>().WriteAsync(async (c, tx) =>
        {
            var id = await c.ExecuteScalarAsync<long>("select Id from Customer where ExternalKey = @key", new { key }, tx);
            await app.Get<UserStore>().CreateAsync(c, tx, new AppUser { Email = extra, DisplayName = "Eleventh", Role = Roles.Member, CustomerId = id }, Password, app.Now);
        });
        Assert.Contains("All 10 seats", (await Assign(owner, key, extra)).ByTestId("assign-error").Text());

        // One tick before the end the grant still counts; at its validUntil it does not, before any job has run.
        var api = await ApiTestClient.Reader(app);
        app.Clock.SetUtcNow(until.AddTicks(-1));
        Assert.True((await Check(api, key, people[9])).GetProperty("hasAccess").GetBoolean());
        app.Clock.SetUtcNow(until);
        var late = await Check(api, key, people[9]);
        Assert.False(late.GetProperty("hasAccess").GetBoolean());
        Assert.Equal("seat-over-limit", late.GetProperty("reason").GetString());
        Assert.Equal(5, late.GetProperty("limit").GetInt64());
        Assert.Equal(10, late.GetProperty("assigned").GetInt32());
        Assert.True((await Check(api, key, people[0])).GetProperty("hasAccess").GetBoolean());

        var page = await owner.GetDocument($"/customers/{key}/team");
        Assert.Contains("10 of 5 seats assigned", page.ByTestId("seats").Text());
        var warning = page.ByTestId("over-seats").Text();
        Assert.Contains("5 seats are assigned beyond the limit of 5", warning);
        Assert.Contains("no seat can be assigned until you unassign 5 people or get more seats", warning);
        var holders = page.AllByTestId("holder").ToList();
        Assert.Equal(10, holders.Count);
        Assert.Equal(people.Skip(5).Take(5), holders.Where(h => h.GetAttribute("data-flagged") == "true").Select(h => h.GetAttribute("data-email")));
        Assert.Equal(10, await Seats(key));
        Assert.Contains("10 seats of Team members (max-members) are assigned and the limit is now 5: 5 over.", (await Assign(owner, key, extra)).ByTestId("assign-error").Text());
    }

    [SkippableFact]
    public async Task ADowngradePreview_ListsTheSeatFeatureWhoseAssignedSeatsExceedTheNewPlan()
    {
        var (key, people) = await NewTeam("seats-downgrade", members: 4, plan: "business");
        var owner = await PageClient.SignedInAs(app, people[0]);
        foreach (var email in people) await Assign(owner, key, email);

        var page = await owner.GetDocument($"/customers/{key}/plans");
        var starter = page.QuerySelector("[data-testid=plan-option][data-code=starter]")!;
        Assert.Equal(["max-members"], starter.AllByTestId("exceeded").Select(e => e.GetAttribute("data-handle")));
        Assert.Contains("Team members: 6 seats are assigned, Starter allows 5 members; the seats beyond it would be flagged",
            starter.ByTestId("downgrade-preview").Text());
        var preview = await app.Get<SelfService.Upgrades.PlanChangePreview>().PreviewAsync(key, "starter");
        Assert.Equal(["max-members"], preview!.SeatsOver.Select(c => c.Feature.Handle));
    }

    [SkippableFact]
    public async Task UsageEventsForTheSeatFeature_AreRefusedWith400NamingTheEvent_AndNothingIsStored()
    {
        var usage = await ApiTestClient.WithScopes(app, ApiScopes.UsageWrite);
        var before = await app.Scalar<long>("select count(*) from UsageEvent");
        var at = app.Now.AddMinutes(-5).ToString("yyyy-MM-ddTHH:mm:ssZ");
        var response = await usage.Send(HttpMethod.Post, "/api/v1/usage", $$"""
            {"events": [
              {"id": "seat-ok-1", "customer": "acme", "feature": "api-calls", "quantity": 3, "timestamp": "{{at}}"},
              {"id": "seat-bad-1", "customer": "acme", "feature": "max-members", "quantity": 30, "timestamp": "{{at}}"}
            ]}
            """);
        var problem = await response.Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);
        Assert.Equal(["events[1].feature"], problem.ErrorFields());
        Assert.Contains("held as assigned seats", problem.GetProperty("errors").GetProperty("events[1].feature")[0].GetString());
        Assert.Equal(before, await app.Scalar<long>("select count(*) from UsageEvent"));
    }
}

public sealed class SqliteSeatTests(SqliteApp app) : SeatTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlSeatTests(PostgreSqlApp app) : SeatTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerSeatTests(SqlServerApp app) : SeatTests(app), IClassFixture<SqlServerApp>;
