using Microsoft.AspNetCore.Mvc;
using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Entitlements;
using SelfService.Shared;

namespace SelfService.Pages.Staff.Customers;

/// <summary>One customer's subscription: what it inherits from its plan and add-ons, and what was added to it explicitly.</summary>
public sealed class SubscriptionModel(EntitlementService entitlements, CatalogStore store, SubscriptionAdmin admin, TimeProvider clock) : OperatorPage
{
    public const string Inherited = "inherited";
    public const string Explicit = "explicit";

    [BindProperty(SupportsGet = true)]
    public string Tab { get; set; } = Inherited;

    [BindProperty]
    public GrantInput Grant { get; set; } = new();

    public AccountEntitlements Account { get; private set; } = null!;
    public CatalogSnapshot Catalog { get; private set; } = null!;
    public IReadOnlyList<GrantRecord> Grants { get; private set; } = [];
    public PricePlan NewestPlan { get; private set; } = null!;
    public DateTime Now { get; private set; }

    /// <summary>The grant whose removal failed, and why, to show the error beside that form.</summary>
    public long? RevokeFailedFor { get; private set; }
    public string? RevokeError { get; private set; }

    public async Task<IActionResult> OnGetAsync(string customer, CancellationToken ct)
    {
        if (Tab is not (Inherited or Explicit)) Tab = Inherited;
        if (!await LoadAsync(customer, ct)) return NotFound();
        Grant = new GrantInput { ValidFrom = GrantInput.Local(Now), ValidUntil = GrantInput.Local(Now.Date.AddDays(8)) };
        return Page();
    }

    public async Task<IActionResult> OnPostGrantAsync(string customer, CancellationToken ct)
    {
        Tab = Explicit;
        var result = await admin.AddGrantAsync(customer, Grant, Actor, ct);
        if (!result.Ok)
        {
            if (!AddErrors(nameof(Grant), result.Errors) || !await LoadAsync(customer, ct)) return NotFound();
            return Page();
        }
        Flash = "Granted. The customer has it from its start.";
        return Redirect($"/vendor/customers/{Uri.EscapeDataString(customer)}?tab={Explicit}");
    }

    public async Task<IActionResult> OnPostRevokeAsync(string customer, long grantId, string? reason, CancellationToken ct)
    {
        Tab = Explicit;
        var result = await admin.RevokeGrantAsync(customer, grantId, reason, Actor, ct);
        if (!result.Ok)
        {
            if (result.Errors.ContainsKey(FormErrors.NotFoundField) || !await LoadAsync(customer, ct)) return NotFound();
            RevokeFailedFor = grantId;
            RevokeError = result.Errors.Values.First();
            return Page();
        }
        Flash = "Removed the grant. It no longer counts.";
        return Redirect($"/vendor/customers/{Uri.EscapeDataString(customer)}?tab={Explicit}");
    }

    /// <summary>Cancels the customer's pending scheduled plan change; a second post finds nothing to cancel.</summary>
    public async Task<IActionResult> OnPostCancelScheduledAsync(string customer, CancellationToken ct)
    {
        Flash = await admin.CancelScheduledChangeAsync(customer, Actor, ct)
            ? "Cancelled the scheduled plan change: the plan stays."
            : "There is no scheduled plan change left to cancel.";
        return Redirect($"/vendor/customers/{Uri.EscapeDataString(customer)}");
    }

    public async Task<IActionResult> OnPostMoveVersionAsync(string customer, CancellationToken ct)
    {
        var result = await admin.MoveToNewestVersionAsync(customer, Actor, ct);
        if (!result.Ok && result.Errors.ContainsKey(FormErrors.NotFoundField)) return NotFound();
        Flash = result.Ok ? $"Moved to {result.Value!.Name} v{result.Value.Version}." : result.Errors.Values.First();
        return Redirect($"/vendor/customers/{Uri.EscapeDataString(customer)}");
    }

    public async Task<IActionResult> OnPostMoveAddOnAsync(string customer, long addOnId, CancellationToken ct)
    {
        var result = await admin.MoveAddOnToNewestVersionAsync(customer, addOnId, Actor, ct);
        if (!result.Ok && result.Errors.ContainsKey(FormErrors.NotFoundField)) return NotFound();
        Flash = result.Ok ? $"Moved the add-on to {result.Value!.Name} v{result.Value.Version}." : result.Errors.Values.First();
        return Redirect($"/vendor/customers/{Uri.EscapeDataString(customer)}");
    }

    private async Task<bool> LoadAsync(string customer, CancellationToken ct)
    {
        var account = await entitlements.ForCustomerAsync(customer, ct: ct);
        if (account is null) return false;
        Account = account;
        Now = clock.GetUtcNow().UtcDateTime;
        Catalog = await store.SnapshotAsync(ct);
        Grants = await admin.GrantsAsync(customer, ct);
        NewestPlan = Newest(account.Plan);
        GiveFormsTokens();
        return true;
    }

    public PricePlan Newest(PricePlan plan)
    {
        var newest = plan;
        while (newest.SupersededById is { } next) newest = Catalog.Plans.First(p => p.Id == next);
        return newest;
    }

    public AddOn Newest(AddOn addOn)
    {
        var newest = addOn;
        while (newest.SupersededById is { } next) newest = Catalog.AddOns.First(a => a.Id == next);
        return newest;
    }

    /// <summary>Entitlements that come from the plan or add-ons, with the value they add up to before any grant.</summary>
    public IEnumerable<(EffectiveEntitlement Effective, EntitlementValue Inherited, IReadOnlyList<EntitlementSource> Sources)> InheritedRows =>
        Account.Entitlements
            .Select(e => (e, Sources: (IReadOnlyList<EntitlementSource>)e.Sources.Where(s => s.Kind != SourceKind.Grant).ToList()))
            .Where(x => x.Sources.Count > 0)
            .Select(x => (x.e, EntitlementEngine.Combine(x.e.Feature, x.Sources), x.Sources));

    public Feature? FeatureOf(long id) => Account.AllFeatures.FirstOrDefault(f => f.Id == id);

    public string GrantValue(GrantRecord g)
    {
        var f = FeatureOf(g.FeatureId);
        if (f is null) return "";
        return f.Kind == FeatureKind.Boolean ? "Included" : "+" + EntitlementFormat.Value(f, new EntitlementValue(g.Amount, g.IsUnlimited));
    }

    // ---- Add-on quantities and status: what the CRM's API may change, from this page (SubscriptionAdmin checks, SubscriptionChanges writes) ----

    /// <summary>The add-on quantities form: one quantity per add-on, one reason, and the form's token (exactly once).</summary>
    public sealed class AddOnsInput
    {
        public Dictionary<long, string?> Quantities { get; set; } = new();
        public string? Reason { get; set; }
        public string? FormToken { get; set; }
    }

    /// <summary>The status form: suspend, resume or cancel (cancelling asks to confirm first).</summary>
    public sealed class StatusInput
    {
        public string? Status { get; set; }
        public string? Reason { get; set; }
        public string? FormToken { get; set; }
        public bool Confirmed { get; set; }
    }

    [BindProperty] public AddOnsInput AddOnsForm { get; set; } = new();
    [BindProperty] public StatusInput StatusForm { get; set; } = new();

    /// <summary>Cancelling was asked for and waits for the operator's confirmation.</summary>
    public bool ConfirmingCancel { get; private set; }

    public IReadOnlyList<AddOn> SettableAddOns => SubscriptionAdmin.SettableAddOns(Catalog, Account.Plan, Account.AddOns.Select(a => a.AddOn.Id));

    public int HeldQuantity(long addOnId) => Account.AddOns.Where(a => a.AddOn.Id == addOnId).Select(a => a.Quantity).FirstOrDefault();

    /// <summary>What the quantity field shows: what was posted (after an error), else what the subscription holds.</summary>
    public string QuantityValue(long addOnId) => AddOnsForm.Quantities.TryGetValue(addOnId, out var posted) && posted is not null
        ? posted : HeldQuantity(addOnId).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public string? FormError(string form) => ModelState.TryGetValue($"{form}.{FormErrors.FormField}", out var entry) ? entry.Errors.FirstOrDefault()?.ErrorMessage : null;

    public async Task<IActionResult> OnPostAddOnsAsync(string customer, CancellationToken ct)
    {
        var result = await admin.SetAddOnQuantitiesAsync(customer, AddOnsForm.Quantities, AddOnsForm.Reason, AddOnsForm.FormToken, Actor, ct);
        if (!result.Ok)
        {
            if (!AddErrors(nameof(AddOnsForm), result.Errors) || !await LoadAsync(customer, ct)) return NotFound();
            return Page();
        }
        var change = result.Value!;
        Flash = change.WasRepeated ? "This form was sent already; nothing more changed."
            : change.Changes.Count == 0 ? "Nothing changed: the subscription holds these quantities already."
            : "Saved: " + string.Join("; ", change.Changes.Select(c => $"{c.Before ?? "none"} → {c.After ?? "none"}")) + ".";
        return Redirect($"/vendor/customers/{Uri.EscapeDataString(customer)}");
    }

    public async Task<IActionResult> OnPostStatusAsync(string customer, CancellationToken ct)
    {
        var cancelling = string.Equals(StatusForm.Status, nameof(SubscriptionStatus.Cancelled), StringComparison.OrdinalIgnoreCase);
        if (cancelling && !StatusForm.Confirmed && !string.IsNullOrWhiteSpace(StatusForm.Reason))
        {
            // Nothing changes until the operator confirms on the panel this shows, which posts the same form again.
            if (!await LoadAsync(customer, ct)) return NotFound();
            ConfirmingCancel = true;
            return Page();
        }
        var result = await admin.SetStatusAsync(customer, StatusForm.Status, StatusForm.Reason, StatusForm.FormToken, Actor, ct);
        if (!result.Ok)
        {
            if (!AddErrors(nameof(StatusForm), result.Errors) || !await LoadAsync(customer, ct)) return NotFound();
            return Page();
        }
        Flash = result.Value!.WasRepeated ? "This form was sent already; nothing more changed."
            : $"The subscription is now {StatusForm.Status!.Trim().ToLowerInvariant()}.";
        return Redirect($"/vendor/customers/{Uri.EscapeDataString(customer)}");
    }

    // A form shown anew gets a token of its own; one shown again after an error keeps the token it was posted with.
    private void GiveFormsTokens()
    {
        if (string.IsNullOrEmpty(AddOnsForm.FormToken)) AddOnsForm.FormToken = SubscriptionAdmin.NewFormToken();
        if (string.IsNullOrEmpty(StatusForm.FormToken)) StatusForm.FormToken = SubscriptionAdmin.NewFormToken();
    }
}
