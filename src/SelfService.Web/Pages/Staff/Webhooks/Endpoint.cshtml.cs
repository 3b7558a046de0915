using Microsoft.AspNetCore.Mvc;
using SelfService.Shared;
using SelfService.Webhooks;

namespace SelfService.Pages.Staff.Webhooks;

public sealed class EndpointModel(WebhookEndpointStore endpoints, WebhookDeliveries deliveries, TimeProvider clock) : OperatorPage
{
    public sealed class EndpointInput
    {
        public string? Url { get; set; }
        public string? Description { get; set; }
        public List<string> Events { get; set; } = [];
    }

    [BindProperty]
    public EndpointInput Input { get; set; } = new();

    public WebhookEndpoint Endpoint { get; private set; } = null!;

    public IReadOnlyList<(WebhookDeliveryRow Delivery, IReadOnlyList<WebhookAttemptRow> Attempts)> Log { get; private set; } = [];

    public string? RotatedSecret { get; private set; }
    public DateTime? PreviousValidUntil { get; private set; }

    public DateTime Now => clock.GetUtcNow().UtcDateTime;

    public static string Pretty(string json) =>
        System.Text.Json.JsonSerializer.Serialize(System.Text.Json.JsonDocument.Parse(json).RootElement, Indented);

    private static readonly System.Text.Json.JsonSerializerOptions Indented = new()
    {
        WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private async Task<bool> LoadAsync(long id, bool fillInput, CancellationToken ct)
    {
        if (await endpoints.FindAsync(id, ct) is not { } endpoint) return false;
        Endpoint = endpoint;
        if (fillInput) Input = new EndpointInput { Url = endpoint.Url, Description = endpoint.Description, Events = [.. endpoint.EventList] };
        Log = await deliveries.LogAsync(id, 50, ct);
        return true;
    }

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct) => await LoadAsync(id, true, ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostSaveAsync(long id, CancellationToken ct)
    {
        var change = new EndpointChange(Input.Url?.Trim() ?? "", Input.Events.Distinct().ToList(), null, Input.Description?.Trim() ?? "");
        foreach (var (field, message) in endpoints.Validate(change, creating: true))
            ModelState.AddModelError("Input." + char.ToUpperInvariant(field[0]) + field[1..], message);
        if (ModelState.ErrorCount > 0) return await LoadAsync(id, false, ct) ? Page() : NotFound();
        if (await endpoints.UpdateAsync(id, change, Actor, ct) is null) return NotFound();
        Flash = "Saved.";
        return RedirectToPage(new { id });
    }

    public async Task<IActionResult> OnPostEnableAsync(long id, bool enabled, CancellationToken ct)
    {
        if (await endpoints.UpdateAsync(id, new EndpointChange(null, null, enabled, null), Actor, ct) is null) return NotFound();
        Flash = enabled ? "Enabled: pending deliveries are sent again." : "Disabled: nothing is sent until it is enabled.";
        return RedirectToPage(new { id });
    }

    public async Task<IActionResult> OnPostRotateAsync(long id, CancellationToken ct)
    {
        if (await endpoints.RotateAsync(id, Actor, ct) is not { } rotated) return NotFound();
        Response.Headers.CacheControl = "no-store";
        RotatedSecret = rotated.Secret;
        PreviousValidUntil = rotated.PreviousValidUntil;
        await LoadAsync(id, true, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(long id, CancellationToken ct)
    {
        if (!await endpoints.DeleteAsync(id, Actor, ct)) return NotFound();
        Flash = "Endpoint deleted: nothing more is sent to it.";
        return RedirectToPage("Index");
    }

    public async Task<IActionResult> OnPostSendAgainAsync(long id, long delivery, CancellationToken ct)
    {
        var log = await deliveries.LogAsync(id, 500, ct);
        if (!log.Any(l => l.Delivery.Id == delivery)) return NotFound();
        var attempted = await deliveries.DeliverAsync(delivery, manual: true, ct);
        Flash = attempted ? "Sent again: the attempt is in the log below." : "That delivery is being sent right now; look again in a moment.";
        return RedirectToPage(new { id });
    }
}
