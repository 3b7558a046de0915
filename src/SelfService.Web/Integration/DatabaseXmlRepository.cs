using System.Data.Common;
using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;
using SelfService.Data;

namespace SelfService.Integration;

/// <summary>
/// Keeps the ASP.NET Core Data Protection key ring in the database, so it survives restarts and every instance
/// shares it (the signing keys and the sign-in cookies are protected with it). Data Protection calls this rarely
/// and synchronously: at start and when it refreshes or adds a key, so it opens its own plain connection.
/// </summary>
public sealed class DatabaseXmlRepository(DatabaseSettings settings, TimeProvider clock) : IXmlRepository
{
    internal const string AllSql = "select Xml from DataProtectionKey order by Id";

    internal const string InsertSql = "insert into DataProtectionKey (FriendlyName, Xml, CreatedAt) values (@FriendlyName, @Xml, @CreatedAt)";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = Open();
        return connection.Query<string>(AllSql).Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = Open();
        connection.Execute(InsertSql, new { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting), CreatedAt = clock.GetUtcNow().UtcDateTime });
    }

    private DbConnection Open()
    {
        var connection = settings.Dialect.CreateConnection(settings.ConnectionString);
        connection.Open();
        settings.Dialect.ConfigureAsync(connection, CancellationToken.None).GetAwaiter().GetResult();
        return connection;
    }
}
