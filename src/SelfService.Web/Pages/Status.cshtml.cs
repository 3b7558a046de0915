using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace SelfService.Pages;

[IgnoreAntiforgeryToken]
public sealed class StatusModel : PageModel
{
    public string Title { get; private set; } = "Something went wrong";
    public string Message { get; private set; } = "We could not complete that request. Please try again.";

    public void OnGet([FromQuery] int? code) => Describe(code ?? 500);
    public void OnPost([FromQuery] int? code) => Describe(code ?? 500);

    private void Describe(int code)
    {
        (Title, Message) = code switch
        {
            404 => ("Page not found", "There is nothing here, or it is not yours to see."),
            403 => ("Not allowed", "Your role does not allow this."),
            400 => ("Bad request", "That request could not be understood."),
            _ => (Title, Message),
        };
    }
}
