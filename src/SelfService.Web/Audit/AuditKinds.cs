namespace SelfService.Audit;

/// <summary>
/// Every kind of audit entry, in one place. Each is stable: the audit page filters on it and CSV exports carry it.
/// A kind once renamed keeps its old rows readable through a migration (0016 moved <c>subscription.addon-*</c>).
/// </summary>
public static class AuditKinds
{
    // Catalog
    public const string FeatureCreated = "feature.created";
    public const string FeatureUpdated = "feature.updated";
    public const string PlanCreated = "plan.created";
    public const string PlanUpdated = "plan.updated";
    public const string PlanSuperseded = "plan.superseded";
    public const string AddOnCreated = "addon.created";
    public const string AddOnUpdated = "addon.updated";
    public const string AddOnSuperseded = "addon.superseded";
    public const string RegionCreated = "region.created";
    public const string RegionUpdated = "region.updated";
    public const string RegionDeleted = "region.deleted";
    public const string EmbargoChanged = "embargo.changed";
    public const string CatalogPolicyChanged = "catalog.policy-changed";

    // Customers and their subscriptions (written by Customers.SubscriptionChanges)
    public const string CustomerCreated = "customer.created";
    public const string CustomerRenamed = "customer.renamed";
    public const string SubscriptionCreated = "subscription.created";
    public const string PlanChanged = "subscription.plan-changed";
    public const string PlanVersionMoved = "subscription.version-moved";
    public const string StatusChanged = "subscription.status-changed";
    public const string AnchorChanged = "subscription.anchor-changed";
    public const string AddOnAdded = "subscription.add-on-added";
    public const string AddOnChanged = "subscription.add-on-changed";
    public const string AddOnRemoved = "subscription.add-on-removed";
    public const string AddOnVersionMoved = "subscription.add-on-version-moved";
    public const string PlanChangeScheduled = "subscription.plan-change-scheduled";
    public const string ScheduledChangeCancelled = "subscription.scheduled-change-cancelled";
    public const string ScheduledChangeApplied = "subscription.scheduled-change-applied";
    public const string GrantAdded = "grant.added";
    public const string GrantRevoked = "grant.revoked";
    public const string GrantExpired = "grant.expired";

    // Requests
    public const string RequestSubmitted = "request.submitted";
    public const string RequestCustomerApproved = "request.customer-approved";
    public const string RequestApproved = "request.approved";
    public const string RequestApprovedByPolicy = "request.approved-by-policy";
    public const string RequestRejected = "request.rejected";
    public const string RequestCancelled = "request.cancelled";
    public const string RequestExpired = "request.expired";

    // Machines and integrations
    public const string ApiKeyCreated = "apikey.created";
    public const string ApiKeyRevoked = "apikey.revoked";
    public const string WebhookCreated = "webhook.created";
    public const string WebhookChanged = "webhook.changed";
    public const string WebhookSecretRotated = "webhook.secret-rotated";
    public const string WebhookDeleted = "webhook.deleted";
    public const string SigningKeyCreated = "signing-key.created";
    public const string SigningKeyRotated = "signing-key.rotated";

    // People and passwords (written by Accounts: Team and Passwords)
    public const string PasswordChanged = "password.changed";
    public const string PasswordReset = "password.reset";
    public const string InvitationSent = "invitation.sent";
    public const string InvitationResent = "invitation.resent";
    public const string InvitationRevoked = "invitation.revoked";
    public const string InvitationAccepted = "invitation.accepted";
    public const string PersonRoleChanged = "person.role-changed";
    public const string PersonRemoved = "person.removed";
    public const string PersonLeft = "person.left";
    // Assigned seats (Accounts: TeamSeats); a person removed or leaving gives theirs back as seat.unassigned
    public const string SeatAssigned = "seat.assigned";
    public const string SeatUnassigned = "seat.unassigned";
}
