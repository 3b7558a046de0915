using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace SelfService.Identity;

/// <summary>
/// The one place that keeps a customer's users inside their own customer: any page whose route, query or
/// form names a <c>customer</c> other than the signed-in user's own answers 404, as if it did not exist.
/// The vendor's staff may name any customer.
/// </summary>
public sealed class CustomerScopeFilter : IAsyncPageFilter
{
    public const string Key = "customer";

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var http = context.HttpContext;
        var user = http.User;
        if (user.Identity?.IsAuthenticated == true && !user.IsVendorStaff())
        {
            var own = user.CustomerKey();
            foreach (var named in await NamedCustomers(http))
            {
                if (!string.Equals(named, own, StringComparison.Ordinal))
                {
                    context.Result = new NotFoundResult();
                    return;
                }
            }
        }
        await next();
    }

    private static async Task<IEnumerable<string>> NamedCustomers(HttpContext http)
    {
        var named = new List<string>();
        if (http.GetRouteValue(Key) is string route) named.Add(route);
        named.AddRange(http.Request.Query[Key].OfType<string>());
        if (http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync();
            named.AddRange(form[Key].OfType<string>());
        }
        return named;
    }
}
