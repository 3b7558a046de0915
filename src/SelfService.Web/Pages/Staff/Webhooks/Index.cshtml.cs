using Microsoft.AspNetCore.Mvc;
using SelfService.Events;
using SelfService.Shared;
using SelfService.Webhooks;

namespace SelfService.Pages.Staff.Webhooks;

public sealed class IndexModel(WebhookEndpointStore endpoints) : OperatorPage
{
    public sealed class EndpointInput
    {
        public string? Url { get; set; }
        public string? Description { get; set; }
        public List<string> Events { get; set; } = [];
    }

    [BindProperty]
    public EndpointInput Input { get; set; } = new();

    public IReadOnlyList<WebhookEndpoint> Endpoints { get; private set; } = [];

    /// <summary>The secret of the endpoint just created, in plain text: shown in this one response and never again.</summary>
    public string? CreatedSecret { get; private set; }
    public WebhookEndpoint? Created { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Endpoints = await endpoints.ListAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var change = new EndpointChange(Input.Url?.Trim() ?? "", Input.Events.Distinct().ToList(), true, Input.Description?.Trim());
        foreach (var (field, message) in endpoints.Validate(change, creating: true))
            ModelState.AddModelError("Input." + char.ToUpperInvariant(field[0]) + field[1..], message);
        if (ModelState.ErrorCount > 0)
        {
            Endpoints = await endpoints.ListAsync(ct);
            return Page();
        }
        var (endpoint, secret) = await endpoints.CreateAsync(change, Actor, ct);
        // No redirect: the secret exists only in this response.
        Response.Headers.CacheControl = "no-store";
        Created = endpoint;
        CreatedSecret = secret;
        Input = new EndpointInput();
        ModelState.Clear();
        Endpoints = await endpoints.ListAsync(ct);
        return Page();
    }

    public static IReadOnlyList<string> EventTypeList => EventTypes.All;
}
