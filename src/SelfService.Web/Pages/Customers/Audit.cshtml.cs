using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Audit;
using SelfService.Requests;
using SelfService.Shared;

namespace SelfService.Pages.Customers;

/// <summary>The customer's own audit trail: who changed what on this account, when and why.</summary>
public sealed class AuditModel(AuditLog audit, RequestStore requests) : PageModel
{
    public const int PageSize = 40;

    [BindProperty(SupportsGet = true, Name = Paging.Parameter)] public string? PageNumber { get; set; }

    public string Customer { get; private set; } = "";
    public Paged<AuditEntry> Results { get; private set; } = null!;
    public IReadOnlyList<AuditEntry> Entries => Results.Rows;

    public SelfService.Pages.Shared.PagerView Pager =>
        SelfService.Pages.Shared.PagerView.Of(Results, page => Url.Page("/Customers/Audit", new { customer = Customer, p = page == 1 ? (int?)null : page })!, "Pages of activity");

    public async Task<IActionResult> OnGetAsync(string customer, CancellationToken ct)
    {
        if (await requests.CustomerIdAsync(customer, ct) is not { } id) return NotFound();
        Customer = customer;
        Results = await audit.PageForCustomerAsync(id, PageNumber, PageSize, ct);
        return Page();
    }

    /// <summary>"request.approved" reads as "Request approved".</summary>
    public static string Describe(string kind)
    {
        var words = kind.Replace('.', ' ').Replace('-', ' ');
        return words.Length == 0 ? kind : char.ToUpperInvariant(words[0]) + words[1..];
    }
}
