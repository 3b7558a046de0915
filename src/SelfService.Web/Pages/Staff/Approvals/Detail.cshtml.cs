using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Catalog;
using SelfService.Entitlements;
using SelfService.Identity;
using SelfService.Pages.Shared;
using SelfService.Metering;
using SelfService.Requests;
using SelfService.Upgrades;

namespace SelfService.Pages.Staff.Approvals;

/// <summary>One usage series shown beside a request: a feature's daily usage and where it stands against its value.</summary>
public sealed record UsageView(Feature Feature, decimal PeriodUsage, IReadOnlyList<UsagePoint> Days, decimal Max);

/// <summary>
/// One request as an Approver decides it: the customer's plan, what the request would change (before → after, by the
/// entitlement engine) and the recent usage of the features it touches. Approve, possibly for less, or reject with a reason.
/// Operators see the page; only Approvers' decisions are accepted.
/// </summary>
public sealed class DetailModel(RequestStore store, RequestDecisions decisions, EntitlementService entitlements, CatalogStore catalog,
    PlanChangePreview planPreview, UsageService usage) : PageModel
{
    public const int UsageDays = 14;

    public AccessRequest AccessRequest { get; private set; } = null!;
    public IReadOnlyList<AccessRequestEvent> History { get; private set; } = [];
    public AccountEntitlements Account { get; private set; } = null!;
    public RequestImpactResult? Impact { get; private set; }
    public PlanChangePreviewResult? Preview { get; private set; }
    public IReadOnlyList<UsageView> Usage { get; private set; } = [];
    public UsagePeriod Period { get; private set; }
    public string? Message { get; private set; }
    public DateTime Now { get; private set; }

    [BindProperty] public int Version { get; set; }
    [BindProperty, Display(Name = "Quantity")] public int? Quantity { get; set; }
    [BindProperty, Display(Name = "Days")] public int? DurationDays { get; set; }
    [BindProperty, Display(Name = "Note")] public string? Note { get; set; }
    [BindProperty, Display(Name = "Reason")] public string? Reason { get; set; }

    public bool CanDecide => AccessRequest.IsPending && AccessRequest.Step == RequestStep.Vendor && User.IsInRole(Roles.Approver);
    public bool HasQuantity => AccessRequest.Kind == RequestKind.AddOn || AccessRequest.Kind == RequestKind.Access && AccessRequest.FeatureKind != nameof(FeatureKind.Boolean);

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct) =>
        await LoadAsync(id, ct) ? Page() : NotFound();

    public Task<IActionResult> OnPostApproveAsync(long id, CancellationToken ct) =>
        DecideAsync(id, new RequestDecision(true, string.IsNullOrWhiteSpace(Note) ? null : Note, Quantity, DurationDays), ct);

    public Task<IActionResult> OnPostRejectAsync(long id, CancellationToken ct) =>
        DecideAsync(id, new RequestDecision(false, Reason), ct);

    private async Task<IActionResult> DecideAsync(long id, RequestDecision decision, CancellationToken ct)
    {
        if (!User.IsInRole(Roles.Approver)) return StatusCode(StatusCodes.Status403Forbidden);
        if (ModelState.IsValid)
        {
            var outcome = await decisions.DecideAsync(id, Version, RequestActor.From(User), decision, ct);
            if (this.Answer(outcome, $"/vendor/approvals/{id}", m => Message = m) is { } answered) return answered;
        }
        return await LoadAsync(id, ct) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(long id, CancellationToken ct)
    {
        var request = await store.FindAsync(id, ct);
        if (request is null) return false;
        var account = await entitlements.ForCustomerAsync(request.CustomerKey, ct: ct);
        if (account is null) return false;
        AccessRequest = request;
        Account = account;
        Now = account.At;
        History = await store.EventsAsync(id, ct);
        var snapshot = await catalog.SnapshotAsync(ct);

        // Before → after, by the engine, for a request still to be decided.
        IReadOnlyCollection<Feature> touched = [];
        if (request.IsPending)
        {
            (Impact, Preview) = await RequestPreview.OfAsync(account, snapshot, planPreview, request.Kind,
                snapshot.AddOns.FirstOrDefault(a => a.Id == request.AddOnId), snapshot.Plans.FirstOrDefault(p => p.Id == request.PlanId),
                snapshot.Features.FirstOrDefault(f => f.Id == request.FeatureId), request.Quantity ?? 1, request.DurationDays ?? 1, request.ExtendsGrantId, ct);
            touched = (Impact?.Rows.Select(r => r.Feature) ?? Preview?.Changes.Where(c => c.Before != c.After).Select(c => c.Feature) ?? []).ToList();
        }
        if (touched.Count == 0 && request.FeatureId is { } fid && snapshot.Features.FirstOrDefault(f => f.Id == fid) is { } f) touched = [f];
        if (touched.Count == 0 && request.AddOnId is { } aid) touched = snapshot.AddOnEntitlements.Where(e => e.AddOnId == aid).Select(e => snapshot.Features.First(x => x.Id == e.FeatureId)).ToList();

        // Recent usage of what the request touches: this period's figure and the last days, day by day.
        var numeric = touched.Where(t => t.IsNumeric).ToList();
        Period = UsagePeriod.Containing(account.At, account.Subscription.BillingAnchorDay);
        if (numeric.Count > 0)
        {
            var totals = await usage.TotalsAsync(account.Customer.Id, numeric, Period.Start, Period.End, ct);
            var from = account.At.Date.AddDays(-(UsageDays - 1));
            var series = await usage.SeriesAsync(account.Customer.Id, numeric, from, account.At.Date.AddDays(1), Granularity.Day, ct);
            Usage = numeric.Select(f =>
            {
                var points = series.TryGetValue(f.Id, out var p) ? p : [];
                var limit = account.For(f.Handle)?.Limit;
                var max = Math.Max(1, Math.Max(points.Count == 0 ? 0 : points.Max(x => x.Value), limit ?? 0));
                return new UsageView(f, totals.GetValueOrDefault(f.Id), points, max);
            }).ToList();
        }

        Quantity ??= request.Quantity;
        DurationDays ??= request.DurationDays;
        return true;
    }
}
