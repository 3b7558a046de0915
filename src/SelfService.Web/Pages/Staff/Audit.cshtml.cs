using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Audit;
using SelfService.Customers;
using SelfService.Shared;

namespace SelfService.Pages.Staff;

/// <summary>
/// The whole system's audit trail. Read-only, so every vendor staff member may read it (the Staff folder's policy),
/// as the main navigation offers it to approvers too.
/// </summary>
public sealed class AuditModel(AuditSearch search, CustomerStore customers, TimeProvider clock) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Customer { get; set; }
    [BindProperty(SupportsGet = true)] public string? Actor { get; set; }
    [BindProperty(SupportsGet = true)] public string? Kind { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? From { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? To { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;

    public AuditPage Results { get; private set; } = null!;
    public IReadOnlyList<string> Kinds { get; private set; } = [];
    public IReadOnlyList<CustomerSummary> Customers { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var filter = Filter();
        Results = await search.SearchAsync(filter, PageNumber, ct);
        Kinds = await search.KindsAsync(ct);
        Customers = await customers.ListAsync(ct);
    }

    /// <summary>Every entry the filter matches, as CSV.</summary>
    public async Task<IActionResult> OnGetCsvAsync(CancellationToken ct)
    {
        if (!ModelState.IsValid || From > To) return BadRequest();
        var filter = Filter();
        var name = $"audit-{clock.GetUtcNow().UtcDateTime:yyyyMMdd-HHmm}.csv";
        Response.ContentType = Csv.ContentType;
        Response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
        await using var writer = new StreamWriter(Response.Body, Csv.Utf8);
        await writer.WriteAsync(AuditSearch.CsvHeader);
        await foreach (var row in search.ExportAsync(filter, ct))
            await writer.WriteAsync(AuditSearch.CsvLine(row));
        await writer.FlushAsync(ct);
        return new EmptyResult();
    }

    private AuditFilter Filter()
    {
        if (From is { } f && To is { } t && f > t)
        {
            ModelState.AddModelError(nameof(To), "The end date comes before the start date.");
            To = null;
        }
        return new AuditFilter(Customer, Actor, Kind, From, To);
    }

    public string PageLink(int page) => Url.Page("/Staff/Audit", new { customer = Customer, actor = Actor, kind = Kind, from = From?.ToString("yyyy-MM-dd"), to = To?.ToString("yyyy-MM-dd"), p = page })!;

    public string CsvLink => Url.Page("/Staff/Audit", "Csv", new { customer = Customer, actor = Actor, kind = Kind, from = From?.ToString("yyyy-MM-dd"), to = To?.ToString("yyyy-MM-dd") })!;

    public bool Filtered => !string.IsNullOrWhiteSpace(Customer) || !string.IsNullOrWhiteSpace(Actor) || !string.IsNullOrWhiteSpace(Kind) || From is not null || To is not null;
}
