using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using SelfService.Catalog;
using SelfService.Entitlements;
using SelfService.Identity;
using SelfService.Requests;
using SelfService.Upgrades;

namespace SelfService.Pages.Customers.Requests;

/// <summary>
/// Ask for an add-on, a plan change or temporary access. The portal's upgrade prompts link here filled in:
/// <c>?kind=addon&amp;code=extra-seats&amp;quantity=2</c>, <c>?kind=plan&amp;code=enterprise</c>, <c>?kind=access&amp;feature=4k-streaming&amp;days=7</c>.
/// </summary>
public sealed class NewModel(EntitlementService entitlements, CatalogStore catalog, PlanChangePreview planPreview, RequestSubmissions submissions,
    IOptions<RequestsOptions> options) : PageModel
{
    [BindProperty] public string? Kind { get; set; }
    [BindProperty, Display(Name = "Add-on")] public string? AddOnCode { get; set; }
    [BindProperty, Display(Name = "How many to add")] public int? Quantity { get; set; }
    [BindProperty, Display(Name = "New plan")] public string? PlanCode { get; set; }
    [BindProperty, Display(Name = "Feature")] public string? FeatureHandle { get; set; }
    [BindProperty, Display(Name = "How many more")] public int? Amount { get; set; }
    [BindProperty, Display(Name = "For how many days")] public int? DurationDays { get; set; }
    [BindProperty] public long? ExtendsGrantId { get; set; }
    /// <summary>Temporary access only: where it is asked for (countries or regions, such as DE or EU); empty for everywhere.</summary>
    [BindProperty, Display(Name = "Where (optional)")] public string? Places { get; set; }
    [BindProperty, Display(Name = "Why you need it")] public string? Justification { get; set; }
    [BindProperty] public bool ConfirmDowngrade { get; set; }
    /// <summary>One per form shown: the same form posted twice makes one request (the second post finds the first).</summary>
    [BindProperty] public string? SubmissionKey { get; set; }
    /// <summary>The pending request this one would repeat, when the submission was refused for it.</summary>
    public CustomerRequest? DuplicateOf { get; private set; }

    public AccountEntitlements Account { get; private set; } = null!;
    public CatalogSnapshot Snapshot { get; private set; } = null!;
    public RequestKind? ParsedKind { get; private set; }
    public IReadOnlyList<(AddOn AddOn, int Held)> AddOns { get; private set; } = [];
    public IReadOnlyList<PricePlan> Plans { get; private set; } = [];
    public IReadOnlyList<Feature> Features { get; private set; } = [];
    public PlanChangePreviewResult? Preview { get; private set; }
    public RequestImpactResult? Impact { get; private set; }
    /// <summary>What the request adds to the monthly bill (negative for a cheaper plan), once it names something real.</summary>
    public long? PriceCents { get; private set; }
    public string PriceLabel { get; private set; } = "";
    public int MaxDays => options.Value.MaxAccessDays;
    public bool IsMember => User.IsInRole(Roles.Member);
    public bool CanAsk => !User.IsVendorStaff();

    public async Task<IActionResult> OnGetAsync(string customer, string? kind, string? code, int? quantity, string? feature, int? days, int? amount, long? extends, CancellationToken ct)
    {
        Fill(kind, code, quantity, feature, days, amount, extends);
        SubmissionKey = Guid.NewGuid().ToString("N");
        return await LoadAsync(customer, ct) ? Page() : NotFound();
    }

    /// <summary>The preview alone, for requests.js to swap in as the fields change (the form itself is never reloaded).</summary>
    public async Task<IActionResult> OnGetPreviewAsync(string customer, string? kind, string? code, int? quantity, string? feature, int? days, int? amount, long? extends, CancellationToken ct)
    {
        Fill(kind, code, quantity, feature, days, amount, extends, preview: true);
        return await LoadAsync(customer, ct) ? Partial("_RequestPreview", this) : NotFound();
    }

    /// <summary>The Preview button without script: the page again with everything typed kept and the preview for it; nothing is sent.</summary>
    public async Task<IActionResult> OnPostPreviewAsync(string customer, CancellationToken ct)
    {
        ModelState.Clear();
        ParsedKind = Parse(Kind);
        return await LoadAsync(customer, ct) ? Page() : NotFound();
    }

    private void Fill(string? kind, string? code, int? quantity, string? feature, int? days, int? amount, long? extends, bool preview = false)
    {
        // The query only fills the form in; a bad value there is for the form to point out when it is sent.
        ModelState.Clear();
        Kind = kind;
        ParsedKind = Parse(kind);
        if (ParsedKind == RequestKind.AddOn) { AddOnCode = code; Quantity = preview ? quantity : quantity ?? 1; }
        if (ParsedKind == RequestKind.Plan) PlanCode = code;
        if (ParsedKind == RequestKind.Access)
        {
            FeatureHandle = feature ?? code;
            DurationDays = preview ? days : days ?? 7;
            Amount = amount;
            ExtendsGrantId = extends;
            if (extends is not null) Justification = "Extend the temporary access that ends soon.";
        }
    }

    public async Task<IActionResult> OnPostAsync(string customer, CancellationToken ct)
    {
        ParsedKind = Parse(Kind);
        if (ModelState.IsValid)
        {
            var outcome = await submissions.SubmitAsync(customer, RequestActor.From(User), new RequestDraft
            {
                Kind = ParsedKind, AddOnCode = AddOnCode, Quantity = Quantity, PlanCode = PlanCode, FeatureHandle = FeatureHandle,
                Amount = Amount, DurationDays = DurationDays, ExtendsGrantId = ExtendsGrantId, Places = Places, Justification = Justification,
                ConfirmDowngrade = ConfirmDowngrade, SubmissionKey = SubmissionKey,
            }, ct);
            if (outcome.Status == OutcomeStatus.NotFound) return NotFound();
            if (outcome.Status == OutcomeStatus.Duplicate) DuplicateOf = outcome.Request;
            if (outcome.Succeeded) return Redirect($"/customers/{customer}/requests/{outcome.Request!.Id}?sent=1");
            foreach (var (field, error) in outcome.Errors ?? new Dictionary<string, string>()) ModelState.AddModelError(field, error);
        }
        return await LoadAsync(customer, ct) ? Page() : NotFound();
    }

    public static RequestKind? Parse(string? kind) => kind?.Trim().ToLowerInvariant() switch
    {
        "addon" or "add-on" => RequestKind.AddOn,
        "plan" => RequestKind.Plan,
        "access" => RequestKind.Access,
        _ => null,
    };

    public static string Query(RequestKind kind) => kind switch { RequestKind.AddOn => "addon", RequestKind.Plan => "plan", _ => "access" };

    private async Task<bool> LoadAsync(string customer, CancellationToken ct)
    {
        var account = await entitlements.ForCustomerAsync(customer, ct: ct);
        if (account is null) return false;
        Account = account;
        Snapshot = await catalog.SnapshotAsync(ct);
        var family = account.Plan.Family;
        AddOns = Snapshot.CurrentAddOns.Where(a => a.Family == family)
            .Select(a => (a, account.AddOns.Where(h => h.AddOn.Code == a.Code).Sum(h => h.Quantity))).ToList();
        Plans = Snapshot.CurrentPlans.Where(p => p.Family == family && p.Id != account.Plan.Id).ToList();
        var offered = Snapshot.FeaturesOfFamily(family);
        Features = Snapshot.Features.Where(f => offered.Contains(f.Id)).ToList();

        // What the request would change, when the form names something real.
        // (Only once the quantity or duration asked for is one the form accepts.)
        var addOn = AddOns.FirstOrDefault(a => a.AddOn.Code == AddOnCode) is { AddOn: not null } chosen
            && Quantity is > 0 && Quantity <= chosen.AddOn.MaxQuantity - chosen.Held ? chosen.AddOn : null;
        var feature = Features.FirstOrDefault(f => f.Handle == FeatureHandle) is { } asked
            && DurationDays is > 0 && DurationDays <= MaxDays && (asked.Kind == FeatureKind.Boolean || Amount is > 0) ? asked : null;
        (Impact, Preview) = await RequestPreview.OfAsync(account, Snapshot, planPreview, ParsedKind, addOn, Plans.FirstOrDefault(p => p.Code == PlanCode),
            feature, (ParsedKind == RequestKind.AddOn ? Quantity : Amount) ?? 1, DurationDays ?? 1, ExtendsGrantId, ct);
        if (ParsedKind == RequestKind.AddOn && addOn is not null)
            (PriceCents, PriceLabel) = (addOn.MonthlyPriceCents * Quantity!.Value, $"{addOn.Name} × {Quantity.Value}");
        if (Preview is not null)
            (PriceCents, PriceLabel) = (Preview.PriceDifferenceCents, $"{Preview.To.Name} instead of {account.Plan.Name}");
        return true;
    }
}
