using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Entitlements;
using SelfService.Identity;
using SelfService.Metering;
using SelfService.Notifications;
using SelfService.Portal;

namespace SelfService.Pages.Customers;

/// <summary>The overview: plan, add-ons and the few things that need attention now, each linking to its page.</summary>
public sealed class AccountModel(AccountUsage usage, NotificationService notifications, SelfService.Requests.RequestStore requests,
    SelfService.Customers.SubscriptionAdmin subscriptions) : PageModel
{
    /// <summary>Whether this person may cancel a scheduled plan change: the customer's Owner or Admin (Operators on the staff page).</summary>
    public bool CanCancelScheduled => !User.IsVendorStaff() && (User.IsInRole(Roles.Owner) || User.IsInRole(Roles.Admin));

    [BindProperty(SupportsGet = true)]
    public string? Notice { get; set; }

    public AccountUsageView View { get; private set; } = null!;
    public IReadOnlyList<Attention> Items { get; private set; } = [];

    public sealed record Attention(string Kind, string Tone, string Text, string Link, string LinkText);

    public async Task<IActionResult> OnGetAsync(string customer, CancellationToken ct)
    {
        var view = await usage.LoadAsync(customer, PeriodChoice.Current, Granularity.Day, ct);
        if (view is null) return NotFound();
        View = view;
        var a = view.Account;
        var key = a.Customer.ExternalKey;
        var items = new List<Attention>();

        foreach (var f in view.Features.Where(f => f.Prompt != PromptReason.None))
        {
            var what = f.Prompt switch
            {
                PromptReason.AtCap => $"{f.Feature.Name}: the cap is reached ({f.Percent:0} % used).",
                PromptReason.NearCap => $"{f.Feature.Name}: {EntitlementFormat.Percent(f.Percent ?? 0)} of the cap used.",
                _ => $"{f.Feature.Name}: on course to reach the cap on {f.Forecast?.CapReachedAt:d MMM}.",
            };
            items.Add(new Attention("cap", f.Prompt == PromptReason.AtCap ? "bad" : "warn", what, $"/customers/{key}/usage", "See usage and options"));
        }
        foreach (var g in a.Grants.Where(g => g.IsEffectiveAt(a.At) && g.ValidUntil is { } u && u - a.At <= TimeSpan.FromDays(7)))
        {
            var feature = a.AllFeatures.First(f => f.Id == g.FeatureId);
            items.Add(new Attention("grant", "warn",
                $"{feature.Name} granted for \"{g.Reason}\" {SelfService.Entitlements.EntitlementFormat.Window(g.ValidFrom, g.ValidUntil, a.At)}.",
                $"/customers/{key}/entitlements?tab=granted", "See grants"));
        }
        // "member asks for …" needs attention only while that request still waits for an Owner or Admin.
        var waitingOnUs = (await requests.ForCustomerAsync(key, ct))
            .Where(r => r.Request.IsPending && r.Request.Step == SelfService.Requests.RequestStep.Customer)
            .Select(r => $"/customers/{key}/requests/{r.Request.Id}").ToHashSet(StringComparer.Ordinal);
        var recent = (await notifications.ForUserAsync(User.IsVendorStaff() ? 0 : User.UserId(), a.Customer.Id, ct))
            .Where(n => n.Kind.StartsWith("request", StringComparison.Ordinal) && n.CreatedAt >= a.At.AddDays(-14))
            .Where(n => n.Kind != "request.needs-approval" || n.Link is not null && waitingOnUs.Contains(n.Link))
            .Take(3);
        foreach (var n in recent)
            items.Add(new Attention("request", "info", n.Title, n.Link ?? $"/customers/{key}/requests", "See request"));
        Items = items;
        return Page();
    }

    /// <summary>
    /// Cancels the pending scheduled plan change, then back to the page the button was on. A second post (a double click,
    /// a second tab) finds nothing left to cancel and changes nothing.
    /// </summary>
    public async Task<IActionResult> OnPostCancelScheduledChangeAsync(string customer, string? returnTo, CancellationToken ct)
    {
        if (!CanCancelScheduled) return Forbid();
        await subscriptions.CancelScheduledChangeAsync(customer, User.Identity?.Name ?? "customer", ct);
        var back = returnTo == "entitlements" ? $"/customers/{Uri.EscapeDataString(customer)}/entitlements" : $"/customers/{Uri.EscapeDataString(customer)}";
        return Redirect(back + "?notice=scheduled-cancelled");
    }
}
