namespace SelfService.Events;

/// <summary>
/// The outbound event types. Each id is stable: receivers branch on it, so it is never renamed. The payload of each
/// (the envelope's <c>data</c>) is documented in the README under "Outbound events".
/// </summary>
public static class EventTypes
{
    public const string EntitlementsChanged = "entitlements.changed";
    public const string UsageThresholdCrossed = "usage.threshold_crossed";
    public const string RequestSubmitted = "request.submitted";
    public const string RequestDecided = "request.decided";
    public const string GrantEnding = "grant.ending";
    public const string GrantEnded = "grant.ended";
    public const string SubscriptionChanged = "subscription.changed";
    public const string CustomerCreated = "customer.created";

    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        [EntitlementsChanged] = "A customer's effective entitlements changed (before → after, and why)",
        [UsageThresholdCrossed] = "Usage of a metered feature crossed a share of its cap",
        [RequestSubmitted] = "A customer asked for an add-on or temporary access",
        [RequestDecided] = "A request was approved, rejected, cancelled or expired",
        [GrantEnding] = "A grant ends in 7 days or in 1 day",
        [GrantEnded] = "A grant reached its end or was revoked",
        [SubscriptionChanged] = "A subscription's plan, add-ons, status or schedule changed",
        [CustomerCreated] = "A customer was created",
    };

    public static readonly IReadOnlyList<string> All = [.. Descriptions.Keys];

    public static bool IsKnown(string type) => Descriptions.ContainsKey(type);
}
