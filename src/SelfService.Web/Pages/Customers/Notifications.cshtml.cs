using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Customers;
using SelfService.Identity;
using SelfService.Notifications;
using SelfService.Shared;

namespace SelfService.Pages.Customers;

public sealed class NotificationsModel(NotificationService notifications, CustomerStore customers, TimeProvider clock) : PageModel
{
    public const int PageSize = 40;

    [BindProperty(SupportsGet = true, Name = Paging.Parameter)] public string? PageNumber { get; set; }

    public Paged<Notification> Results { get; private set; } = null!;
    public IReadOnlyList<Notification> Items => Results.Rows;
    public CustomerSummary Customer { get; private set; } = null!;
    /// <summary>Unread on every page, not only this one.</summary>
    public long Unread { get; private set; }

    public SelfService.Pages.Shared.PagerView Pager =>
        SelfService.Pages.Shared.PagerView.Of(Results, page => Url.Page("/Customers/Notifications", new { customer = Customer.ExternalKey, p = page == 1 ? (int?)null : page })!, "Pages of notifications");

    public async Task<IActionResult> OnGetAsync(string customer, CancellationToken ct)
    {
        if (await customers.FindAsync(customer, ct) is not { } found) return NotFound();
        Customer = found;
        var me = User.IsVendorStaff() ? 0 : User.UserId();
        Results = await notifications.PageForUserAsync(me, found.Id, PageNumber, PageSize, ct);
        Unread = await notifications.UnreadCountAsync(me, found.Id, ct: ct);
        return Page();
    }

    public async Task<IActionResult> OnPostMarkReadAsync(string customer, CancellationToken ct)
    {
        if (await customers.FindAsync(customer, ct) is not { } found) return NotFound();
        if (!User.IsVendorStaff())
            await notifications.MarkAllReadAsync(User.UserId(), found.Id, clock.GetUtcNow().UtcDateTime, ct);
        return RedirectToPage(new { customer });
    }
}
