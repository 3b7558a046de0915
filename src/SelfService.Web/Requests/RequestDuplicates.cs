using System.Data.Common;
using Dapper;
using SelfService.Data;

namespace SelfService.Requests;

/// <summary>
/// Exactly-once submission, held by the database: the form's token is unique per customer (a second post of the
/// same form, from a retry, a double click or a script, finds the first request), and what a request asks for is
/// unique among pending requests (a second identical request, from another tab or person, is refused with a link
/// to the one that waits). Both are unique indexes (migration 0019), so two posts at the same instant give one row.
/// </summary>
internal static class RequestDuplicates
{
    public const int MaxTokenLength = 64;

    public static string? Token(string? submissionKey) => submissionKey?.Trim() is { Length: > 0 and <= MaxTokenLength } token ? token : null;

    /// <summary>What makes two requests the same: customer, kind, what is asked for, how many, how long, which grant it extends.</summary>
    public static string PendingKey(long customerId, RequestKind kind, long? addOnId, long? planId, long? featureId, int? quantity, int? days, long? extendsGrantId) =>
        string.Join(':', customerId, kind, addOnId, planId, featureId, quantity, days, extendsGrantId);

    private const string BySubmissionSql = $"""
        {RequestStore.SelectSql}
         where r.CustomerId = @customerId and r.SubmissionKey = @token
        """;

    private const string PendingByKeySql = $"""
        {RequestStore.SelectSql}
         where r.PendingKey = @pendingKey and r.State = 'Pending'
        """;

    public static async Task<CustomerRequest?> SentWithAsync(Db db, long customerId, string token, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<CustomerRequest>(new CommandDefinition(BySubmissionSql, new { customerId, token }, cancellationToken: ct));
    }

    public static async Task<CustomerRequest?> PendingLikeAsync(Db db, string pendingKey, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<CustomerRequest>(new CommandDefinition(PendingByKeySql, new { pendingKey }, cancellationToken: ct));
    }

    public static RequestOutcome Refused(CustomerRequest waiting) => new(OutcomeStatus.Duplicate, waiting,
        new Dictionary<string, string> { [""] = $"The same request is already waiting: request #{waiting.Id}." });
}
