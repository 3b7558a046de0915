using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace SelfService.Web;

/// <summary>
/// Input no page could have sent is refused before any handler sees it, with a 4xx and the status page, never a 500:
/// a form that cannot be read (NUL characters, a value over the 4 MB limit, too many fields), an unknown
/// <c>?handler=</c>, a method the page does not take, and a field holding a value its type cannot take (a hidden or
/// choice field tampered to something the page never offers, such as <c>ConfirmDowngrade=maybe</c>).
/// </summary>
public static class BadInput
{
    /// <summary>The model-binding message for a value its field cannot take; also how <see cref="PageRequestFilter"/> tells tampering apart.</summary>
    public static string NotAValueItTakes(string value, string field) => $"The value '{value}' is not valid for {field}.";

    /// <summary>
    /// Refuses a query string holding a NUL character (no link or form sends one; PostgreSQL refuses it in text, so it
    /// would reach a search as a 500) with a 400 naming the parameter: problem+json under <c>/api</c>, the status page
    /// elsewhere. Then reads a posted form up front, so a form the framework refuses to parse answers 400 (413 when too
    /// large).
    /// </summary>
    public static async Task UnreadableForms(HttpContext context, Func<Task> next)
    {
        var withNul = context.Request.Query.Where(q => q.Key.Contains('\0') || q.Value.Any(v => v?.Contains('\0') == true)).Select(q => q.Key.Replace("\0", "")).ToList();
        if (withNul.Count > 0)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BadInput).FullName!)
                .LogInformation("Refused a query string with a NUL character in {Parameters}", string.Join(", ", withNul));
            if (context.Request.Path.StartsWithSegments("/api"))
            {
                var errors = withNul.Distinct().ToDictionary(name => name, _ => (object?)new[] { "holds a NUL character, which no value may contain" });
                await SelfService.Api.ApiProblems.Problem(StatusCodes.Status400BadRequest, SelfService.Api.ApiProblems.Validation,
                    "The query string holds a character no value may contain.", extensions: new Dictionary<string, object?> { ["errors"] = errors })
                    .ExecuteAsync(context);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        if (context.Request.HasFormContentType)
        {
            try
            {
                await context.Request.ReadFormAsync(context.RequestAborted);
            }
            catch (Exception e) when (e is InvalidDataException or BadHttpRequestException)
            {
                // Later readers (the status page re-executed for this request, filters) see an empty form, not the error again.
                context.Features.Set<IFormFeature>(new FormFeature(FormCollection.Empty));
                context.Response.StatusCode = e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }
                    || e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase)
                    ? StatusCodes.Status413PayloadTooLarge
                    : StatusCodes.Status400BadRequest;
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BadInput).FullName!)
                    .LogInformation("Refused a form that cannot be read ({Status}): {Reason}", context.Response.StatusCode, e.Message);
                return;
            }
        }
        await next();
    }
}

/// <summary>See <see cref="BadInput"/>: unknown handlers (404), methods a page does not take (405), tampered values (400).</summary>
public sealed class PageRequestFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var request = context.HttpContext.Request;
        var asked = context.RouteData.Values["handler"] as string ?? (string?)request.Query["handler"];
        var handler = context.HandlerMethod;
        if (handler is null)
        {
            var takes = context.ActionDescriptor.HandlerMethods.Select(h => h.HttpMethod.ToUpperInvariant()).Distinct().ToList();
            if (!string.IsNullOrEmpty(asked) || takes.Contains(request.Method.ToUpperInvariant()))
            {
                context.Result = new NotFoundResult();
                return;
            }
            if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
            {
                context.HttpContext.Response.Headers.Allow = string.Join(", ", takes.Prepend("GET").Distinct());
                context.Result = new StatusCodeResult(StatusCodes.Status405MethodNotAllowed);
                return;
            }
        }
        else if (!string.IsNullOrEmpty(asked) && !string.Equals(handler.Name, asked, StringComparison.OrdinalIgnoreCase))
        {
            // Razor Pages falls back to the unnamed handler for a name it does not know; a link never sends one.
            context.Result = new NotFoundResult();
            return;
        }

        if (!HttpMethods.IsGet(request.Method) && IsTampered(context.ModelState))
        {
            context.Result = new BadRequestResult();
            return;
        }
        await next();
    }

    private static bool IsTampered(Microsoft.AspNetCore.Mvc.ModelBinding.ModelStateDictionary state)
    {
        foreach (var (key, entry) in state)
        {
            if (entry.Errors.Count == 0 || string.IsNullOrEmpty(entry.AttemptedValue)) continue;
            var prefix = BadInput.NotAValueItTakes(entry.AttemptedValue, "\u0001").Split('\u0001')[0];
            if (entry.Errors.Any(e => e.ErrorMessage.StartsWith(prefix, StringComparison.Ordinal))) return true;
        }
        return false;
    }
}
