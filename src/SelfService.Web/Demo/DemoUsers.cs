namespace SelfService.Demo;

/// <summary>
/// The demo's sign-ins (every one with the demo password): the README's table, the seeder and the tests name them here.
/// A customer's people are <c>{role}@{customer}.example</c>.
/// </summary>
public static class DemoUsers
{
    public const string Operator = "operator@vendor.example";
    public const string Approver = "approver@vendor.example";

    public const string AcmeOwner = "owner@acme.example";
    public const string AcmeAdmin = "admin@acme.example";
    public const string AcmeMember = "member@acme.example";
    public const string InitechOwner = "owner@initech.example";
    public const string GlobexOwner = "owner@globex.example";
    public const string UmbrellaOwner = "owner@umbrella.example";
    public const string HooliOwner = "owner@hooli.example";

    public static readonly IReadOnlyList<string> All =
        [Operator, Approver, AcmeOwner, AcmeAdmin, AcmeMember, InitechOwner, GlobexOwner, UmbrellaOwner, HooliOwner];

    /// <summary>The address of a customer's person: <c>owner@acme.example</c>.</summary>
    public static string Of(string role, string customerKey) => $"{role.ToLowerInvariant()}@{customerKey}.example";
}
