using SelfService.Entitlements;

namespace SelfService.Pages.Customers.Shared;

/// <summary>What <c>_ScheduledChange</c> shows: the account, whether this person may cancel, and where the cancel returns to.</summary>
public sealed record ScheduledChangeView(AccountEntitlements Account, bool CanCancel, string ReturnTo, bool JustCancelled);
