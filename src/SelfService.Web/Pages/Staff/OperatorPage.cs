using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Identity;
using SelfService.Shared;

namespace SelfService.Pages.Staff;

/// <summary>A page of the operators' area: only Operators reach it (the Staff folder already requires vendor staff).</summary>
[Authorize(Policy = Policies.Operators)]
public abstract class OperatorPage : PageModel
{
    /// <summary>A one-line confirmation shown on the next page after a change.</summary>
    [TempData]
    public string? Flash { get; set; }

    protected string Actor => User.Identity?.Name ?? "operator";

    /// <summary>Puts each error beside its field (<paramref name="prefix"/>.Field); a not-found error answers 404.</summary>
    protected bool AddErrors(string prefix, InputErrors errors)
    {
        if (errors.ContainsKey(FormErrors.NotFoundField)) return false;
        foreach (var (field, message) in errors)
            ModelState.AddModelError(string.IsNullOrEmpty(prefix) ? field : $"{prefix}.{field}", message);
        return true;
    }
}
