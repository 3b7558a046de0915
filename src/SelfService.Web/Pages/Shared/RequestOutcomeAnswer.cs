using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SelfService.Requests;

namespace SelfService.Pages.Shared;

public static class RequestOutcomeAnswer
{
    /// <summary>
    /// How a page answers a decision on a request (the customer's request page and the approver's): a redirect to
    /// <paramref name="doneUrl"/> once done, 404 or 403, or null to show the page again, with the message of a decision
    /// that came too late (409) or each error beside its field.
    /// </summary>
    public static IActionResult? Answer(this PageModel page, RequestOutcome outcome, string doneUrl, Action<string?> showMessage)
    {
        switch (outcome.Status)
        {
            case OutcomeStatus.Done:
                return new RedirectResult(doneUrl);
            case OutcomeStatus.NotFound:
                return new NotFoundResult();
            case OutcomeStatus.Forbidden:
                return new StatusCodeResult(StatusCodes.Status403Forbidden);
            case OutcomeStatus.AlreadyDecided:
                showMessage(outcome.Message);
                page.Response.StatusCode = StatusCodes.Status409Conflict;
                return null;
            default:
                foreach (var (field, error) in outcome.Errors!) page.ModelState.AddModelError(field, error);
                return null;
        }
    }
}
