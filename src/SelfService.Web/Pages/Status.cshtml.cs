using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Api;

namespace SelfService.Pages;

[IgnoreAntiforgeryToken]
public sealed class StatusModel(ILogger<StatusModel> logger) : PageModel
{
    public string Title { get; private set; } = "Something went wrong";
    public string Message { get; private set; } = "We could not complete that request. Please try again.";

    /// <summary>For a server error: the trace id, also in the error's log line, for a person to quote.</summary>
    public string? Reference { get; private set; }

    public void OnGet([FromQuery] int? code) => Describe(code ?? 500);
    public void OnPost([FromQuery] int? code) => Describe(code ?? 500);

    private void Describe(int code)
    {
        (Title, Message) = code switch
        {
            404 => ("Page not found", "There is nothing here, or it is not yours to see."),
            403 => ("Not allowed", "Your role does not allow this."),
            400 => ("Bad request", "That request could not be understood."),
            405 => ("Not available", "This page does not take that kind of request."),
            413 => ("Too large", "A field holds more than this form takes."),
            _ => (Title, Message),
        };
        if (code < 500) return;
        Reference = ApiProblems.Reference(HttpContext);
        if (HttpContext.Features.Get<IExceptionHandlerFeature>() is { } failure)
            logger.LogError(failure.Error, "Unhandled exception answering {Method} {Path}; reference {TraceId}", Request.Method, failure.Path, Reference);
    }
}
