using Microsoft.AspNetCore.Mvc;
using SelfService.Api;
using SelfService.Audit;
using SelfService.Data;
using SelfService.Shared;

namespace SelfService.Pages.Staff;

public sealed class ApiKeysModel(ApiKeyStore keys, Db db, AuditLog audit, TimeProvider clock) : OperatorPage
{
    public sealed class KeyInput
    {
        public string? Name { get; set; }
        public List<string> Scopes { get; set; } = [];
    }

    [BindProperty]
    public KeyInput Input { get; set; } = new();

    public IReadOnlyList<ApiKey> Keys { get; private set; } = [];

    /// <summary>
    /// The key just created, in plain text: carried to the page the create redirects to (in the encrypted TempData
    /// cookie, read once) and shown there and never again, so a refresh neither shows it again nor makes a second key.
    /// </summary>
    [TempData] public string? Created { get; set; }
    [TempData] public string? CreatedName { get; set; }

    public DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task OnGetAsync(CancellationToken ct)
    {
        if (Created is not null) Response.Headers.CacheControl = "no-store";
        Keys = await keys.ListAsync(ct);
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken ct)
    {
        var name = Input.Name?.Trim() ?? "";
        if (name.Length == 0) ModelState.AddModelError("Input.Name", "Name the key after the app that will use it.");
        else if (name.Length > 100) ModelState.AddModelError("Input.Name", "Keep the name to 100 characters.");
        var scopes = Input.Scopes.Distinct().ToList();
        if (scopes.Count == 0) ModelState.AddModelError("Input.Scopes", "Choose at least one scope.");
        else if (scopes.Except(ApiScopes.All).Any()) ModelState.AddModelError("Input.Scopes", "Choose scopes from the list.");
        if (ModelState.ErrorCount > 0)
        {
            Keys = await keys.ListAsync(ct);
            return Page();
        }

        var (key, plaintext) = await db.WriteAsync(async (c, tx) =>
        {
            var created = await keys.CreateAsync(c, tx, name, scopes, Actor);
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = Now, Actor = Actor, Kind = AuditKinds.ApiKeyCreated, Subject = $"API key {created.Key.Prefix} {name}", NewValue = created.Key.Scopes,
            });
            return created;
        }, ct);
        Created = plaintext;
        CreatedName = key.Name;
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostRevokeAsync(long id, CancellationToken ct)
    {
        var revoked = await db.WriteAsync(async (c, tx) =>
        {
            var key = (await keys.ListAsync(ct)).FirstOrDefault(k => k.Id == id);
            if (key is null || !await keys.RevokeAsync(c, tx, id)) return null;
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = Now, Actor = Actor, Kind = AuditKinds.ApiKeyRevoked, Subject = $"API key {key.Prefix} {key.Name}", OldValue = key.Scopes,
            });
            return key;
        }, ct);
        if (revoked is null) return NotFound();
        Flash = $"Revoked “{revoked.Name}”. Requests with it are refused from now on.";
        return RedirectToPage();
    }
}
