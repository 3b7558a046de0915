using System.Security.Claims;

namespace SelfService.Identity;

public static class Roles
{
    public const string Owner = nameof(Owner);
    public const string Admin = nameof(Admin);
    public const string Member = nameof(Member);
    public const string Approver = nameof(Approver);
    public const string Operator = nameof(Operator);

    public static readonly string[] Customer = [Owner, Admin, Member];
    public static readonly string[] Vendor = [Approver, Operator];
}

public static class Policies
{
    public const string VendorStaff = nameof(VendorStaff);
    public const string Operators = nameof(Operators);
    public const string Approvers = nameof(Approvers);
}

public static class SelfServiceClaims
{
    public const string Customer = "selfservice:customer";
    public const string SignedInAt = "selfservice:signed_in_at";
    public const string Session = "selfservice:session";

    /// <summary>The external key of the signed-in user's customer; null for the vendor's staff.</summary>
    public static string? CustomerKey(this ClaimsPrincipal user) => user.FindFirstValue(Customer);

    public static bool IsVendorStaff(this ClaimsPrincipal user) => Roles.Vendor.Any(user.IsInRole);

    public static long UserId(this ClaimsPrincipal user) => long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!, System.Globalization.CultureInfo.InvariantCulture);
}
