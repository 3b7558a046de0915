using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;
using SelfService.Data;

namespace SelfService.Integration;

/// <summary>
/// Keeps the ASP.NET Core Data Protection key ring in the database, so it survives restarts and every instance
/// shares it (the signing keys and the sign-in cookies are protected with it). Data Protection calls this rarely:
/// at start and when it refreshes or adds a key.
/// </summary>
public sealed class DatabaseXmlRepository(Db db, TimeProvider clock) : IXmlRepository
{
    internal const string AllSql = "select Xml from DataProtectionKey order by Id";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        // Data Protection's interface is synchronous; it is called outside any request's synchronization context.
        using var connection = db.OpenAsync().GetAwaiter().GetResult();
        return connection.Query<string>(AllSql).Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(
            db.Dialect.InsertReturningId("DataProtectionKey", "FriendlyName", "Xml", "CreatedAt"),
            new { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting), CreatedAt = clock.GetUtcNow().UtcDateTime }, tx))
            .GetAwaiter().GetResult();
}
