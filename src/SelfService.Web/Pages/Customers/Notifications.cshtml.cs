using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Customers;
using SelfService.Identity;
using SelfService.Notifications;

namespace SelfService.Pages.Customers;

public sealed class NotificationsModel(NotificationService notifications, CustomerStore customers, TimeProvider clock) : PageModel
{
    public IReadOnlyList<Notification> Items { get; private set; } = [];
    public CustomerSummary Customer { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string customer, CancellationToken ct)
    {
        if (await customers.FindAsync(customer, ct) is not { } found) return NotFound();
        Customer = found;
        Items = await notifications.ForUserAsync(User.IsVendorStaff() ? 0 : User.UserId(), found.Id, ct);
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
