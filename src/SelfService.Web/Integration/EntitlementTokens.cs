using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace SelfService.Integration;

/// <summary>What one entitlement says inside a token: enough for an app to decide offline until the token expires.</summary>
public sealed record TokenEntitlement(
    bool HasAccess, string? Reason, long? Limit, bool Unlimited, bool? HardCap, decimal? Usage, decimal? Remaining, bool Overage, DateTime? PeriodEnd);

/// <summary>The claims of an entitlement token. Registered claims (RFC 7519) keep their short names.</summary>
public sealed record EntitlementTokenPayload(
    [property: JsonPropertyName("iss")] string Issuer,
    [property: JsonPropertyName("sub")] string Subject,
    [property: JsonPropertyName("aud")] string Audience,
    [property: JsonPropertyName("iat")] long IssuedAt,
    [property: JsonPropertyName("nbf")] long NotBefore,
    [property: JsonPropertyName("exp")] long Expires,
    [property: JsonPropertyName("jti")] string TokenId,
    string Name,
    string? Plan,
    string SubscriptionStatus,
    DateTime? PeriodStart,
    DateTime? PeriodEnd,
    IReadOnlyDictionary<string, TokenEntitlement> Entitlements)
{
    /// <summary>When the usage in the token was read, and at which rollup watermark.</summary>
    [JsonPropertyName("usage_as_of")]
    public UsageAsOf? UsageAsOf { get; init; }
}

/// <summary>The instant the token's usage was read at and the rollup watermark (events with higher ids were read raw).</summary>
public sealed record UsageAsOf(DateTime At, long Watermark);

public sealed record IssuedToken(string Token, string TokenType, DateTime IssuedAt, DateTime ExpiresAt, string Kid);

/// <summary>Signs a customer's effective entitlements and usage as of now into a short-lived ES256 JWT.</summary>
public sealed class EntitlementTokens(EntitlementChecks checks, SigningKeyStore keys, TimeProvider clock, IOptions<IntegrationOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>A token for <paramref name="customerKey"/>, or null for an unknown customer.</summary>
    public async Task<IssuedToken?> IssueAsync(string customerKey, CancellationToken ct = default)
    {
        var account = await checks.AccountAsync(customerKey, ct);
        if (account is null) return null;
        var (kid, key) = await keys.ActiveAsync(ct);
        var now = clock.GetUtcNow();
        // Never past what the token reflects: a grant that starts or ends (a temporary grant ending a minute from now ends
        // the token with it), or the period whose usage it carries.
        var expires = now + options.Value.TokenLifetime;
        foreach (var change in new[] { account.NextChange, account.PeriodEnd })
            if (change is { } c && new DateTimeOffset(DateTime.SpecifyKind(c, DateTimeKind.Utc)) < expires)
                expires = new DateTimeOffset(DateTime.SpecifyKind(c, DateTimeKind.Utc));
        var payload = new EntitlementTokenPayload(
            options.Value.Issuer, account.Customer, options.Value.Audience,
            now.ToUnixTimeSeconds(), now.ToUnixTimeSeconds(), expires.ToUnixTimeSeconds(), Guid.NewGuid().ToString("N"),
            account.Name, account.Plan?.Code, account.SubscriptionStatus, account.PeriodStart, account.PeriodEnd,
            account.Entitlements.ToDictionary(e => e.Feature, e => new TokenEntitlement(
                e.HasAccess, e.Reason, e.Limit, e.Unlimited, e.HardCap, e.Usage, e.Remaining, e.Overage, e.PeriodEnd)))
        {
            UsageAsOf = new UsageAsOf(account.At, account.UsageWatermark),
        };
        string token;
        lock (key) token = Jws.Sign(payload, key, kid, Json); // one ECDsa is shared; it is not documented thread-safe
        return new IssuedToken(token, "Bearer", now.UtcDateTime, expires.UtcDateTime, kid);
    }
}
