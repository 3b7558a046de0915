using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace SelfService.Integration;

/// <summary>
/// What one entitlement says inside a token: enough for an app to decide offline until the token expires. The values are
/// the answer for a check without a country; <see cref="Regions"/> (present when a source has a region rule) lets the app
/// answer for any country as the API would.
/// </summary>
public sealed record TokenEntitlement(
    bool HasAccess, string? Reason, long? Limit, bool Unlimited, bool? HardCap, decimal? Usage, decimal? Remaining, bool Overage, DateTime? PeriodEnd,
    TokenRegions? Regions = null);

/// <summary>
/// A feature's sources with their region rules, regions spelt out as countries: in a country, the sources whose rule
/// allows it count (Boolean: any; numbers: the sum, unlimited if any is), then the cap is applied as without a country.
/// </summary>
/// <param name="NoCountry">The feature's policy for a check without a country: <c>deny</c> or <c>anywhere</c>.</param>
/// <param name="HardCap">Whether the cap of a Limit or Metered feature denies at the limit (Boolean features: false).</param>
public sealed record TokenRegions(string NoCountry, bool HardCap, IReadOnlyList<TokenSource> Sources);

/// <param name="Value">What the source adds: a number (value × quantity), or null when <see cref="Unlimited"/>.</param>
/// <param name="Only">The countries where it counts; null: see <see cref="Except"/>.</param>
/// <param name="Except">The countries where it does not count; both null: everywhere.</param>
public sealed record TokenSource(string Kind, long? Value, bool Unlimited, IReadOnlyList<string>? Only, IReadOnlyList<string>? Except);

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
    IReadOnlyDictionary<string, TokenEntitlement> Entitlements,
    IReadOnlyList<string>? Embargo = null)
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
        var (rules, embargo) = await checks.RegionRulesAsync(customerKey, ct);
        var (kid, key) = await keys.ActiveAsync(ct);
        var now = clock.GetUtcNow();
        // Never past what the token reflects: a grant that starts or ends (a temporary grant ending a minute from now ends
        // the token with it), a scheduled plan change taking effect, or the period whose usage it carries.
        var expires = now + options.Value.TokenLifetime;
        foreach (var change in new[] { account.NextChange, account.PeriodEnd })
            if (change is { } c && new DateTimeOffset(DateTime.SpecifyKind(c, DateTimeKind.Utc)) < expires)
                expires = new DateTimeOffset(DateTime.SpecifyKind(c, DateTimeKind.Utc));
        var payload = new EntitlementTokenPayload(
            options.Value.Issuer, account.Customer, options.Value.Audience,
            now.ToUnixTimeSeconds(), now.ToUnixTimeSeconds(), expires.ToUnixTimeSeconds(), Guid.NewGuid().ToString("N"),
            account.Name, account.Plan?.Code, account.SubscriptionStatus, account.PeriodStart, account.PeriodEnd,
            account.Entitlements.ToDictionary(e => e.Feature, e => new TokenEntitlement(
                e.HasAccess, e.Reason, e.Limit, e.Unlimited, e.HardCap, e.Usage, e.Remaining, e.Overage, e.PeriodEnd, rules.GetValueOrDefault(e.Feature))),
            embargo.Count == 0 ? null : embargo)
        {
            UsageAsOf = new UsageAsOf(account.At, account.UsageWatermark),
        };
        string token;
        lock (key) token = Jws.Sign(payload, key, kid, Json); // one ECDsa is shared; it is not documented thread-safe
        return new IssuedToken(token, "Bearer", now.UtcDateTime, expires.UtcDateTime, kid);
    }
}
