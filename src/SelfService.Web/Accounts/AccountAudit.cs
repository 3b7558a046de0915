namespace SelfService.Accounts;

/// <summary>The audit kinds of people and their access (the customer's activity and the vendor's audit show them).</summary>
public static class AccountAuditKinds
{
    public const string PasswordChanged = "password.changed";
    public const string PasswordReset = "password.reset";
    public const string Invited = "invitation.sent";
    public const string InvitationResent = "invitation.resent";
    public const string InvitationRevoked = "invitation.revoked";
    public const string InvitationAccepted = "invitation.accepted";
    public const string RoleChanged = "person.role-changed";
    public const string Removed = "person.removed";
    public const string Left = "person.left";
}
