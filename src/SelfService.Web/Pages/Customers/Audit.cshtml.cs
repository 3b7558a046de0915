using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Audit;
using SelfService.Requests;

namespace SelfService.Pages.Customers;

/// <summary>The customer's own audit trail: who changed what on this account, when and why.</summary>
public sealed class AuditModel(AuditLog audit, RequestStore requests) : PageModel
{
    public const int Shown = 200;

    public string Customer { get; private set; } = "";
    public IReadOnlyList<AuditEntry> Entries { get; private set; } = [];
    public int Total { get; private set; }

    public async Task<IActionResult> OnGetAsync(string customer, CancellationToken ct)
    {
        if (await requests.CustomerIdAsync(customer, ct) is not { } id) return NotFound();
        Customer = customer;
        var all = await audit.ForCustomerAsync(id, ct);
        Total = all.Count;
        Entries = all.Take(Shown).ToList();
        return Page();
    }

    /// <summary>"request.approved" reads as "Request approved".</summary>
    public static string Describe(string kind)
    {
        var words = kind.Replace('.', ' ').Replace('-', ' ');
        return words.Length == 0 ? kind : char.ToUpperInvariant(words[0]) + words[1..];
    }
}
