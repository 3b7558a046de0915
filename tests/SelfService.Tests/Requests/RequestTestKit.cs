using System.Net;
using Dapper;
using SelfService.Data;
using SelfService.Identity;
using SelfService.Requests;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Requests;

/// <summary>Actors of the demo and small reads the request tests share.</summary>
public static class RequestTestKit
{
    public static async Task<RequestActor> Actor(AppFactory app, string email)
    {
        await using var c = await app.Get<Db>().OpenAsync();
        var row = await c.QuerySingleAsync<(long Id, string Role, string? Key)>(
            "select u.Id, u.Role, c.ExternalKey from AppUser u left join Customer c on c.Id = u.CustomerId where u.Email = @email", new { email });
        return new RequestActor(row.Id, email, row.Role, row.Key);
    }

    public static async Task<T> Scalar<T>(AppFactory app, string sql, object? args = null)
    {
        await using var c = await app.Get<Db>().OpenAsync();
        return (await c.ExecuteScalarAsync<T>(sql, args))!;
    }

    public static Task<long> RequestCount(AppFactory app) => Scalar<long>(app, "select count(*) from AccessRequest");

    public static Task<long> AuditCount(AppFactory app, string kind) => Scalar<long>(app, "select count(*) from AuditEntry where Kind = @kind", new { kind });

    public static Task<int> AddOnQuantity(AppFactory app, string customer, string addOn) => Scalar<int>(app, """
        select coalesce(sum(sa.Quantity), 0)
          from SubscriptionAddOn sa
          join Subscription s on s.Id = sa.SubscriptionId
          join Customer c on c.Id = s.CustomerId
          join AddOn a on a.Id = sa.AddOnId
         where c.ExternalKey = @customer and a.Code = @addOn
        """, new { customer, addOn });

    /// <summary>Asks as <paramref name="email"/> and returns the new request, failing the test if it was refused.</summary>
    public static async Task<CustomerRequest> Ask(AppFactory app, string email, RequestDraft draft)
    {
        var actor = await Actor(app, email);
        var outcome = await app.Get<RequestSubmissions>().SubmitAsync(actor.CustomerKey!, actor, draft with { Justification = draft.Justification ?? "We need it for the launch." });
        Assert.True(outcome.Succeeded, $"{outcome.Status}: {string.Join("; ", outcome.Errors?.Select(e => $"{e.Key}={e.Value}") ?? [])}");
        return outcome.Request!;
    }

    public static async Task<RequestOutcome> Decide(AppFactory app, string email, CustomerRequest request, RequestDecision decision) =>
        await app.Get<RequestDecisions>().DecideAsync(request.Id, request.Version, await Actor(app, email), decision);

    /// <summary>Refused as a browser would see it: 403, 404, or sent to the "not allowed" page.</summary>
    public static void AssertRefused(HttpResponseMessage response)
    {
        var ok = response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound
            || response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString.Contains("/account/denied", StringComparison.Ordinal) == true;
        Assert.True(ok, $"expected 403/404/denied, got {(int)response.StatusCode} {response.Headers.Location}");
    }
}
