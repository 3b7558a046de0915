using Microsoft.AspNetCore.Diagnostics;
using SelfService.Api;
using SelfService.Identity;

namespace SelfService.Web;

public static class WebSetup
{
    public static WebApplicationBuilder AddWebPages(this WebApplicationBuilder builder)
    {
        var pages = builder.Services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/");
            o.Conventions.AllowAnonymousToPage("/Account/SignIn");
            o.Conventions.AllowAnonymousToPage("/Account/ForgotPassword");
            o.Conventions.AllowAnonymousToPage("/Account/ResetPassword");
            o.Conventions.AllowAnonymousToPage("/Account/Invitation");
            o.Conventions.AllowAnonymousToPage("/Status");
            o.Conventions.AllowAnonymousToPage("/Unsubscribe");
            o.Conventions.AuthorizeFolder("/Staff", Policies.VendorStaff);
        }).AddMvcOptions(o =>
        {
            o.Filters.Add<PageRequestFilter>();
            o.Filters.Add<CustomerScopeFilter>();
            o.ModelBindingMessageProvider.SetAttemptedValueIsInvalidAccessor(BadInput.NotAValueItTakes);
            o.ModelBindingMessageProvider.SetNonPropertyAttemptedValueIsInvalidAccessor(value => BadInput.NotAValueItTakes(value, "this field"));
        });
#if DEBUG
        if (builder.Environment.IsDevelopment()) pages.AddRazorRuntimeCompilation();
#endif
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "selfservice.antiforgery";
            o.Cookie.SecurePolicy = builder.Environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        });
        builder.Services.AddProblemDetails();
        ProxyOptions.AddTrustedProxies(builder);
        // Nothing tells a visitor which server software answers.
        builder.WebHost.ConfigureKestrel(o => o.AddServerHeader = false);
        return builder;
    }

    public static WebApplication UseWebPages(this WebApplication app)
    {
        // First, so that everything after it (HSTS, cookies, throttling, rate limits) sees the client's scheme and address.
        app.UseForwardedHeaders();
        if (!app.Environment.IsDevelopment()) app.Use(ToPublicHttps);
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Status");
            app.UseHsts();
        }
        app.UseWhen(ApiProblems.IsApi, api => api.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = ApiProblems.WriteServerErrorAsync }));
        app.UseStatusCodePagesWithReExecute("/status", "?code={0}");
        // Inside the page's status handling: an API answer without a body becomes problem+json, never the HTML page.
        app.UseWhen(ApiProblems.IsApi, api => api.UseStatusCodePages(ApiProblems.WriteStatusAsync));
        app.Use(SecurityHeaders);
        app.Use(BadInput.UnreadableForms);
        app.UseStaticFiles();
        app.UseRouting();
        app.Use(ApiSetup.AuthenticateApiKeys);
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapRazorPages();
        return app;
    }

    /// <summary>
    /// Outside Development a page reached over plain HTTP (not through a trusted proxy that says it was https) moves to the
    /// same path on the public https address: its cookies are Secure-only and could not work. Machine endpoints (health,
    /// API, keys) answer as they are, for probes and internal callers.
    /// </summary>
    private static Task ToPublicHttps(HttpContext context, Func<Task> next)
    {
        var path = context.Request.Path;
        if (context.Request.IsHttps || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/api") || path.StartsWithSegments("/.well-known"))
            return next();
        var target = context.RequestServices.GetRequiredService<SelfService.Mail.PublicUrl>().Link(path.Value + context.Request.QueryString.Value);
        context.Response.Redirect(target, permanent: true, preserveMethod: true);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A strict policy on every response: scripts only from this origin, no inline script or style, no framing.
    /// </summary>
    private static Task SecurityHeaders(HttpContext context, Func<Task> next)
    {
        var headers = context.Response.Headers;
        // The Hangfire dashboard (Operators only) and the Scalar API reference are third-party markup with inline
        // script; nothing else is.
        var inline = context.Request.Path.StartsWithSegments("/hangfire") || context.Request.Path.StartsWithSegments("/scalar") ? " 'unsafe-inline'" : "";
        headers.ContentSecurityPolicy =
            $"default-src 'self'; script-src 'self'{inline}; style-src 'self'{inline}; img-src 'self' data:; font-src 'self'; " +
            "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        headers.XFrameOptions = "DENY";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";
        // Customer data must not rest in a shared or browser cache: every API answer and every CSV export.
        context.Response.OnStarting(() =>
        {
            var response = context.Response;
            if (ApiProblems.IsApi(context) || response.ContentType?.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) == true)
                response.Headers.CacheControl = "no-store";
            return Task.CompletedTask;
        });
        return next();
    }
}
