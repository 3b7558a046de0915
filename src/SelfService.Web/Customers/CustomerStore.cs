using System.Data.Common;
using Dapper;
using SelfService.Data;

namespace SelfService.Customers;

public sealed record CustomerSummary
{
    public long Id { get; init; }
    public required string ExternalKey { get; init; }
    public required string Name { get; init; }
    public string PlanName { get; init; } = "";
    public string Status { get; init; } = "";
}

/// <summary>Writes and reads customers. Their subscriptions change only through <see cref="SubscriptionChanges"/>.</summary>
public sealed class CustomerStore(Db db)
{
    internal string InsertCustomerSql => db.Dialect.InsertReturningId("Customer", "ExternalKey", "Name", "CreatedAt");

    public Task<long> CreateCustomerAsync(DbConnection c, DbTransaction tx, string externalKey, string name, DateTime now) =>
        c.ExecuteScalarAsync<long>(InsertCustomerSql,
            new { ExternalKey = externalKey, Name = name, CreatedAt = now }, tx);

    internal const string ListSql = """
        select c.Id, c.ExternalKey, c.Name, p.Name as PlanName, s.Status
          from Customer c
          left join Subscription s on s.CustomerId = c.Id
          left join PricePlan p on p.Id = s.PlanId
         order by c.Name
        """;

    public async Task<IReadOnlyList<CustomerSummary>> ListAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<CustomerSummary>(new CommandDefinition(ListSql, cancellationToken: ct))).AsList();
    }

    internal const string FindSql = """
        select c.Id, c.ExternalKey, c.Name, p.Name as PlanName, s.Status
          from Customer c
          left join Subscription s on s.CustomerId = c.Id
          left join PricePlan p on p.Id = s.PlanId
         where c.ExternalKey = @key
        """;

    public async Task<CustomerSummary?> FindAsync(string key, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<CustomerSummary>(new CommandDefinition(FindSql, new { key }, cancellationToken: ct));
    }

    internal const string CountSql = "select count(*) from Customer";

    public async Task<bool> AnyAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(CountSql, cancellationToken: ct)) > 0;
    }
}
