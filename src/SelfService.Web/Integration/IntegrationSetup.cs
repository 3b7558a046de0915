using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using SelfService.Api;
using SelfService.Data;
using SelfService.Jobs;

namespace SelfService.Integration;

public static class IntegrationSetup
{
    public const string OpenApiDocument = "v1";
    public const string OpenApiPath = "/openapi/{documentName}.json";
    public const string ScalarPath = "/scalar";
    private const string SecuritySchemeName = "ApiKey";

    // Scalar's light theme draws muted text and method badges below WCAG AA contrast; these shades meet 4.5:1 on white.
    private const string ScalarContrast = """
        .light-mode {
          --scalar-color-2: #3b3b3b; --scalar-color-3: #595959;
          --scalar-color-green: #0b6b2f; --scalar-color-blue: #0a58a8; --scalar-color-orange: #9c4a00;
          --scalar-color-red: #b3261e; --scalar-color-yellow: #765c00; --scalar-color-purple: #6a32a3;
        }
        """;

    /// <summary>
    /// Services of the integration API: checks, tokens and their signing keys, idempotent provisioning, the Data
    /// Protection key ring (in the database unless <c>KeyRingFolder</c> says otherwise) and the OpenAPI document.
    /// Called in web and worker mode alike: the rotation and cleanup jobs need the same services.
    /// </summary>
    public static WebApplicationBuilder AddIntegration(this WebApplicationBuilder builder)
    {
        var options = builder.AddCheckedOptions<IntegrationOptions>(IntegrationOptions.Section, IntegrationOptions.Check);
        builder.Services.AddSingleton<EntitlementChecks>();
        builder.Services.AddRecurringJob<SigningKeyRotationJob>(Hangfire.Cron.Daily(3));
        builder.Services.AddRecurringJob<IdempotencyRecordCleanupJob>(Hangfire.Cron.Hourly(17));
        builder.Services.AddSingleton<SigningKeyStore>();
        builder.Services.AddSingleton<EntitlementTokens>();
        builder.Services.AddSingleton<IdempotentWrites>();
        builder.Services.AddSingleton<Provisioning>();

        var protection = builder.Services.AddDataProtection().SetApplicationName("SelfService");
        if (!string.IsNullOrWhiteSpace(options.KeyRingFolder))
            protection.PersistKeysToFileSystem(new DirectoryInfo(Path.GetFullPath(options.KeyRingFolder, builder.Environment.ContentRootPath)));
        else
            builder.Services.AddOptions<KeyManagementOptions>().Configure<DatabaseSettings, TimeProvider>((o, settings, clock) => o.XmlRepository = new DatabaseXmlRepository(settings, clock));
        if (!string.IsNullOrWhiteSpace(options.KeyRingCertificatePath))
            protection.ProtectKeysWithCertificate(KeyRingCertificate(options, builder.Environment.ContentRootPath));

        builder.Services.AddOpenApi(OpenApiDocument, o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "SelfService API",
                    Version = "v1",
                    Description = "Entitlement checks, signed entitlement tokens and provisioning for the vendor's apps and CRM. " +
                        "Authenticate with an API key (Authorization: Bearer ss_…) that has the scope each operation names. " +
                        "Errors are application/problem+json with a stable `type`.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[SecuritySchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "ss_{prefix}_{secret}",
                    Description = "An API key created by an Operator in the portal, with scopes usage:write, entitlements:read or provisioning:write.",
                };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer(ApiExamples.Apply);
            o.AddOperationTransformer((operation, context, _) =>
            {
                var policies = context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().ToList();
                if (policies.Count == 0) return Task.CompletedTask;
                var scopes = policies.Where(p => p.StartsWith("scope:", StringComparison.Ordinal)).Select(p => p["scope:".Length..]).ToList();
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySchemeName, context.Document)] = scopes });
                if (scopes.Count > 0) operation.Description = $"{operation.Description}\n\nScope: `{string.Join("`, `", scopes)}`.".Trim();
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IntegrationEndpoints.IdempotencyKeyHeader>().Any())
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = WriteRequest.Header, In = ParameterLocation.Header, Required = false,
                        Description = "Any 1 to 255 printable ASCII characters (a UUID): the same key with the same request within 24 h replays " +
                            "the first answer (with `Idempotent-Replayed: true`); with another request it is refused (422).",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 255 },
                        Example = System.Text.Json.Nodes.JsonValue.Create("3f2c9d0e-8a41-4c1e-9b7a-2d5e6f708192"),
                    });
                }
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    private static X509Certificate2 KeyRingCertificate(IntegrationOptions options, string contentRoot)
    {
        const string Setting = IntegrationOptions.Section + ":" + nameof(IntegrationOptions.KeyRingCertificatePath);
        var path = Path.GetFullPath(options.KeyRingCertificatePath!, contentRoot);
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, options.KeyRingCertificatePassword);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ConfigurationProblem(Setting, $"cannot be read as a PFX file ({path}): {e.Message}");
        }
        using var rsa = certificate.GetRSAPrivateKey();
        if (rsa is null)
            throw new ConfigurationProblem(Setting, $"must hold an RSA certificate with its private key ({path}).");
        return certificate;
    }

    /// <summary>The API's routes, the JWKS, the OpenAPI document and its Scalar reference at <c>/scalar</c>.</summary>
    public static WebApplication MapIntegration(this WebApplication app)
    {
        IntegrationEndpoints.Map(app.MapApiV1(), app);
        app.MapOpenApi(OpenApiPath).AllowAnonymous();
        app.MapScalarApiReference(ScalarPath, o => o
            .WithTitle("SelfService API")
            .WithOpenApiRoutePattern(OpenApiPath)
            .AddPreferredSecuritySchemes(SecuritySchemeName)
            .HideDeveloperTools()
            // Its "Open API Client" button sends the document's address to a third-party site.
            .HideClientButton()
            .ForceLightMode()
            .WithCustomCss(ScalarContrast)
            // Scalar's page template has no lang attribute; screen readers need one.
            .AddHeadContent("<script>document.documentElement.lang = 'en';</script>")
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp())
            .AllowAnonymous();
        return app;
    }
}
