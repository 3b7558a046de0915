namespace SelfService.Audit;

public static class AuditSetup
{
    /// <summary>The audit log every change writes to in its own transaction, and the staff's search over it.</summary>
    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<AuditSearch>();
        return builder;
    }
}
