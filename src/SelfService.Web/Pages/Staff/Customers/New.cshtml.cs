using Dapper;
using Microsoft.AspNetCore.Mvc;
using SelfService.Catalog;
using SelfService.Identity;
using SelfService.Integration;
using SelfService.Mail;
using SelfService.Shared;

namespace SelfService.Pages.Staff.Customers;

/// <summary>An Operator creates a customer with its subscription and invites its first Owner, in one transaction.</summary>
public sealed class NewModel(Provisioning provisioning, CatalogStore catalog, Mailer mailer, TimeProvider clock) : OperatorPage
{
    public sealed class CustomerInput
    {
        public string? Key { get; set; }
        public string? Name { get; set; }
        public string? Plan { get; set; }
        public string? BillingAnchorDay { get; set; }
        public string? OwnerEmail { get; set; }
        public string? OwnerName { get; set; }
    }

    [BindProperty]
    public CustomerInput Input { get; set; } = new();

    public IReadOnlyList<PricePlan> Plans { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Plans = (await catalog.SnapshotAsync(ct)).CurrentPlans.OrderBy(p => p.Family).ThenBy(p => p.MonthlyPriceCents).ToList();
        Input.BillingAnchorDay = clock.GetUtcNow().Day.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    internal const string KeyTakenSql = "select count(*) from Customer where ExternalKey = @key";
    internal const string UserOfSql = "select count(*) from AppUser where Email = @email and RemovedAt is null";

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var snapshot = await catalog.SnapshotAsync(ct);
        Plans = snapshot.CurrentPlans.OrderBy(p => p.Family).ThenBy(p => p.MonthlyPriceCents).ToList();
        var key = Input.Key?.Trim() ?? "";
        var name = Input.Name?.Trim() ?? "";
        var email = UserStore.Normalize(Input.OwnerEmail ?? "");
        var ownerName = Input.OwnerName?.Trim() is { Length: > 0 } n ? n : null;
        if (!Provisioning.CustomerKeyPattern().IsMatch(key) || key == "new")
            ModelState.AddModelError("Input.Key", "A key is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit (the CRM's id, such as acme).");
        if (name.Length is 0 or > 200) ModelState.AddModelError("Input.Name", "Enter the customer's name (at most 200 characters).");
        var plan = Plans.FirstOrDefault(p => p.Code == Input.Plan);
        if (plan is null) ModelState.AddModelError("Input.Plan", "Choose a plan.");
        if (!int.TryParse(Input.BillingAnchorDay, out var anchor) || anchor is < 1 or > 31)
            ModelState.AddModelError("Input.BillingAnchorDay", "A day of the month from 1 to 31.");
        if (SelfService.Accounts.InviteInput.EmailProblem(email) is { } problem) ModelState.AddModelError("Input.OwnerEmail", problem.Replace("the person to invite", "its first Owner"));
        if (ownerName?.Length > 200) ModelState.AddModelError("Input.OwnerName", "Use at most 200 characters.");
        if (!ModelState.IsValid) return Page();

        var created = await mailer.WriteAsync(async (c, tx, mail) =>
        {
            if (await c.ExecuteScalarAsync<int>(KeyTakenSql, new { key }, tx) > 0) return ("Input.Key", $"A customer with the key '{key}' already exists.");
            if (await c.ExecuteScalarAsync<int>(UserOfSql, new { email }, tx) > 0)
                return ("Input.OwnerEmail", $"{email} already belongs to a user. One person belongs to one customer account; invite another address.");
            var now = clock.GetUtcNow().UtcDateTime;
            const string reason = "Created in the staff pages";
            var steps = new[]
            {
                await provisioning.PutCustomerAsync(c, tx, now, Actor, reason, key, name, new OwnerOrder(email, ownerName), mail),
                await provisioning.PutSubscriptionAsync(c, tx, now, Actor, reason, key, new SubscriptionOrder(plan!.Code, plan.Version, [], anchor, null), snapshot),
            };
            // Checked above, so a failure here is a defect: throwing rolls everything back rather than leave half a customer.
            if (steps.FirstOrDefault(s => s.Problem is not null) is { } failed) throw new InvalidOperationException($"Creating customer {key} failed: {failed.Problem}");
            return ((string, string)?)null;
        }, ct);
        if (created is { } error)
        {
            ModelState.AddModelError(error.Item1, error.Item2);
            return Page();
        }
        Flash = $"{name} created on {plan!.Name}; an invitation went to {email}.";
        return Redirect($"/vendor/customers/{Uri.EscapeDataString(key)}/people");
    }
}
