using AngleSharp.Dom;
using System.Net;
using Dapper;
using SelfService.Api;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Integration;

namespace SelfService.Tests.Accounts;

/// <summary>A customer created by the CRM gets its first Owner in by an invitation, sent exactly once.</summary>
public sealed class ProvisionedOwnerTests(MailApp mail) : IClassFixture<MailApp>
{
    private AppFactory App => mail.App;

    private async Task<int> Invitations(string email)
    {
        await using var c = await App.Get<Db>().OpenAsync();
        return await c.ExecuteScalarAsync<int>("select count(*) from Invitation where Email = @email", new { email });
    }

    [Fact]
    public async Task PutCustomerWithAnOwner_InvitesThemOnce_UnderReplaysConcurrentAndLaterIdenticalPuts_AndTheyGetIn()
    {
        var crm = await ApiTestClient.Provisioner(App);
        const string body = """{"name":"Wayne Enterprises","owner":{"email":"Bruce@Wayne.example","name":"Bruce Wayne"}}""";

        (await crm.Send(HttpMethod.Put, "/api/v1/customers/wayne", body, idempotencyKey: "crm-1")).EnsureSuccessStatusCode();
        var replay = await crm.Send(HttpMethod.Put, "/api/v1/customers/wayne", body, idempotencyKey: "crm-1");
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => crm.Send(HttpMethod.Put, "/api/v1/customers/wayne", body)));
        Assert.All(concurrent, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        var message = await mail.MailTo("bruce@wayne.example");
        Assert.Equal("You are invited to Wayne Enterprises on SelfService", message.Subject);
        await Task.Delay(300);
        await App.Get<SelfService.Mail.MailDelivery>().DeliverDueAsync(CancellationToken.None);
        Assert.Single(mail.Smtp.To("bruce@wayne.example"));
        Assert.Equal(1, await Invitations("bruce@wayne.example"));

        // The invitation page offers the CRM's name; accepting makes the first Owner, who manages the team.
        var link = MailApp.LinkPath(message, "/account/invitation/");
        var owner = PageClient.Anonymous(App);
        var form = await owner.GetDocument(link);
        Assert.Equal("Bruce Wayne", form.QuerySelector<AngleSharp.Html.Dom.IHtmlInputElement>("input[name=Name]")!.Value);
        Assert.Contains("as an Owner", form.ByTestId("invitation-summary").Text());
        var accepted = await owner.Submit(form.Form(), new() { ["Password"] = "gotham nights forever" });
        Assert.Equal("/customers/wayne", accepted.Headers.Location!.OriginalString);
        Assert.NotNull((await owner.GetDocument("/customers/wayne/team")).QuerySelector("[data-testid=invite-form]"));

        // With an Owner in place, a PUT naming another owner sends nothing.
        (await crm.Send(HttpMethod.Put, "/api/v1/customers/wayne", """{"name":"Wayne Enterprises","owner":{"email":"alfred@wayne.example"}}""")).EnsureSuccessStatusCode();
        Assert.Equal(0, await Invitations("alfred@wayne.example"));
    }

    [Fact]
    public async Task PutCustomer_BadOwner_IsAProblemNamingTheField_AndCreatesNothing()
    {
        var crm = await ApiTestClient.Provisioner(App);
        var bad = await crm.Send(HttpMethod.Put, "/api/v1/customers/stark", """{"name":"Stark","owner":{"email":"not-an-address","nick":"x"}}""");
        var problem = await bad.Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);
        Assert.Equal(["owner.email", "owner.nick"], problem.ErrorFields());

        // An address of another customer's user: refused, and the customer is not created half way.
        var taken = await crm.Send(HttpMethod.Put, "/api/v1/customers/stark", """{"name":"Stark","owner":{"email":"owner@acme.example"}}""");
        var refused = await taken.Problem(HttpStatusCode.BadRequest, ApiProblems.Validation);
        Assert.Equal(["owner.email"], refused.ErrorFields());
        Assert.Equal(HttpStatusCode.NotFound, (await crm.Send(HttpMethod.Get, "/api/v1/customers/stark")).StatusCode);
    }
}
