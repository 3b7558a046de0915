using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using SelfService.Alerts;
using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Entitlements;
using SelfService.Identity;
using SelfService.Mail;
using SelfService.Metering;

namespace SelfService.Pages.Customers;

/// <summary>
/// Each customer user's own alerts: per metered feature the thresholds and channels, and which kinds of mail they take.
/// Owners and Admins also set the account's defaults, which apply to everyone who has not chosen.
/// </summary>
public sealed class NotificationSettingsModel(CustomerStore customers, EntitlementService entitlements, AlertPreferences preferences,
    MailChoices mailChoices, IOptions<MeteringOptions> metering) : PageModel
{
    public sealed class FeatureChoice
    {
        public long FeatureId { get; set; }
        public string? Thresholds { get; set; }
        public bool Portal { get; set; }
        public bool Email { get; set; }
    }

    public CustomerSummary Customer { get; private set; } = null!;
    public IReadOnlyList<Feature> Features { get; private set; } = [];
    public IReadOnlyList<AlertPreference> Saved { get; private set; } = [];
    public IReadOnlyDictionary<string, bool> Mail { get; private set; } = new Dictionary<string, bool>();
    public string VendorDefault => string.Join(", ", metering.Value.EffectiveThresholds.Select(t => $"{t} %")) + ", in the portal";

    /// <summary>The signed-in customer user; null for the vendor's staff, who see the account defaults only.</summary>
    public long? MyId { get; private set; }
    public bool CanSetDefaults { get; private set; }

    [BindProperty] public List<FeatureChoice> Choices { get; set; } = [];
    [BindProperty] public List<string> MailKinds { get; set; } = [];

    /// <summary>Which form the errors belong to: "mine" or "account".</summary>
    public string? Failed { get; private set; }

    [TempData] public string? Flash { get; set; }

    public AlertPreference? Own(long featureId) => MyId is { } me ? Saved.FirstOrDefault(p => p.UserId == me && p.FeatureId == featureId) : null;
    public AlertPreference? AccountDefault(long featureId) => Saved.FirstOrDefault(p => p.UserId == AlertPreferences.AccountDefault && p.FeatureId == featureId);

    public static string Describe(AlertPreference p) =>
        string.Join(", ", p.ThresholdList.Select(t => t.IsPercent ? $"{t.Value:0.##} %" : $"{t.Value:#,0.##} units")) +
        (p.Channels.Length == 0 ? ", nowhere" : ", " + string.Join(" and ", p.Channels.Split(' ').Select(c => c == AlertPreferences.Email ? "by e-mail" : "in the portal")));

    private async Task<bool> LoadAsync(string customer, CancellationToken ct)
    {
        if (await customers.FindAsync(customer, ct) is not { } found) return false;
        Customer = found;
        if (!User.IsVendorStaff()) MyId = User.UserId();
        CanSetDefaults = User.IsInRole(Roles.Owner) || User.IsInRole(Roles.Admin);
        var account = await entitlements.ForCustomerAsync(found.ExternalKey, ct: ct);
        Features = account?.Entitlements.Where(e => e.Feature.Kind == FeatureKind.Metered).Select(e => e.Feature).ToList() ?? [];
        Saved = await preferences.ForUserAsync(found.Id, MyId ?? AlertPreferences.AccountDefault, ct);
        Mail = MyId is { } me ? await mailChoices.ForUserAsync(me, ct) : new Dictionary<string, bool>();
        return true;
    }

    public async Task<IActionResult> OnGetAsync(string customer, CancellationToken ct) => await LoadAsync(customer, ct) ? Page() : NotFound();

    public Task<IActionResult> OnPostMineAsync(string customer, CancellationToken ct) => SaveAsync(customer, "mine", ct);

    public Task<IActionResult> OnPostAccountAsync(string customer, CancellationToken ct) => SaveAsync(customer, "account", ct);

    private async Task<IActionResult> SaveAsync(string customer, string scope, CancellationToken ct)
    {
        if (!await LoadAsync(customer, ct)) return NotFound();
        if (MyId is not { } me || scope == "account" && !CanSetDefaults) return Forbid();
        var parsed = new List<(long, IReadOnlyList<AlertThreshold>?, bool, bool)>();
        for (var i = 0; i < Choices.Count; i++)
        {
            var choice = Choices[i];
            if (Features.All(f => f.Id != choice.FeatureId)) continue; // only this account's metered features
            if (string.IsNullOrWhiteSpace(choice.Thresholds))
            {
                parsed.Add((choice.FeatureId, null, false, false));
                continue;
            }
            var thresholds = AlertPreferences.Parse(choice.Thresholds, out var error);
            if (error is null && !choice.Portal && !choice.Email) error = "Choose where to hear about it: in the portal, by e-mail or both.";
            if (error is not null) ModelState.AddModelError($"Choices[{i}].Thresholds", error);
            else parsed.Add((choice.FeatureId, thresholds, choice.Portal, choice.Email));
        }
        if (!ModelState.IsValid)
        {
            Failed = scope;
            return Page();
        }
        await preferences.SaveAsync(Customer.Id, scope == "account" ? AlertPreferences.AccountDefault : me, parsed, User.Identity?.Name ?? "", ct);
        Flash = scope == "account" ? "The account's default alerts are saved." : "Your alerts are saved.";
        return RedirectToPage(new { customer });
    }

    public async Task<IActionResult> OnPostMailAsync(string customer, CancellationToken ct)
    {
        if (!await LoadAsync(customer, ct)) return NotFound();
        if (MyId is not { } me) return Forbid();
        if (MailKinds.FirstOrDefault(k => !MailChoices.Kinds.ContainsKey(k)) is { } unknown)
        {
            ModelState.AddModelError(nameof(MailKinds), $"\"{unknown}\" is not a kind of mail.");
            return Page();
        }
        foreach (var kind in MailChoices.Kinds.Keys) await mailChoices.SetAsync(me, kind, MailKinds.Contains(kind), ct);
        Flash = "Your mail choices are saved.";
        return RedirectToPage(new { customer });
    }
}
