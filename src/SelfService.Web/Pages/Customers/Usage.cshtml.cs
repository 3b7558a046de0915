using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Identity;
using SelfService.Metering;
using SelfService.Portal;
using SelfService.Shared;

namespace SelfService.Pages.Customers;

public sealed class UsageModel(AccountUsage usage) : PageModel
{
    public AccountUsageView View { get; private set; } = null!;

    [BindProperty(SupportsGet = true, Name = "period")]
    public string Period { get; set; } = "current";

    [BindProperty(SupportsGet = true, Name = "granularity")]
    public string GranularityName { get; set; } = "day";

    public bool CanRequest => User.IsVendorStaff() is false && (User.IsInRole(Roles.Owner) || User.IsInRole(Roles.Admin));

    public async Task<IActionResult> OnGetAsync(string customer, CancellationToken ct)
    {
        var view = await Load(customer, ct);
        if (view is null) return NotFound();
        View = view;
        return Page();
    }

    /// <summary>The CSV of one feature's chart, for the same period and granularity as the page.</summary>
    public async Task<IActionResult> OnGetCsvAsync(string customer, string feature, CancellationToken ct)
    {
        var view = await Load(customer, ct);
        var card = view?.Features.FirstOrDefault(f => f.Feature.Handle == feature);
        if (view is null || card is null) return NotFound();
        var csv = UsageCsv.Write(card.Feature, view.Series[card.Feature.Id], card.Cap, card.Unlimited);
        var name = $"{view.Account.Customer.ExternalKey}-{feature}-{view.RangeStart:yyyyMMdd}-{view.RangeEnd:yyyyMMdd}-{view.Granularity.ToString().ToLowerInvariant()}.csv";
        return File(Csv.Bytes(csv), Csv.ContentType, name);
    }

    private Task<AccountUsageView?> Load(string customer, CancellationToken ct)
    {
        var choice = Period switch { "previous" => PeriodChoice.Previous, "12m" => PeriodChoice.Last12Months, _ => PeriodChoice.Current };
        Period = choice switch { PeriodChoice.Previous => "previous", PeriodChoice.Last12Months => "12m", _ => "current" };
        var granularity = GranularityName == "hour" ? Granularity.Hour : Granularity.Day;
        GranularityName = granularity == Granularity.Hour && choice != PeriodChoice.Last12Months ? "hour" : "day";
        return usage.LoadAsync(customer, choice, granularity, ct);
    }
}
