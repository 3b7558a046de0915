using SelfService.Upgrades;

namespace SelfService.Pages.Customers.Shared;

public sealed record UpgradePromptModel(
    string CustomerKey,
    string FeatureHandle,
    string Headline,
    string Goal,
    UpgradeOption? Option,
    string CurrentPlanName,
    bool CanRequest,
    bool IsMember,
    string Tone = "warn",
    UpgradeAdvice? Advice = null,
    SelfService.Catalog.Feature? Feature = null);
