-- Access requests (add-on, plan change, temporary access) and every step of their history.
-- Version changes with every transition, so a decision is a conditional update: exactly one decider wins.
create table AccessRequest (
    Id                   integer primary key,
    CustomerId           integer not null references Customer (Id),
    RequestedByUserId    integer not null references AppUser (Id),
    RequestedBy          text    not null,
    RequesterRole        text    not null check (RequesterRole in ('Owner', 'Admin', 'Member')),
    Kind                 text    not null check (Kind in ('AddOn', 'Plan', 'Access')),
    AddOnId              integer null references AddOn (Id),
    PlanId               integer null references PricePlan (Id),
    FeatureId            integer null references Feature (Id),
    Quantity             integer null check (Quantity >= 1),
    DurationDays         integer null check (DurationDays >= 1),
    ExtendsGrantId       integer null references EntitlementGrant (Id),
    Justification        text    not null,
    State                text    not null check (State in ('Pending', 'Approved', 'Rejected', 'Cancelled', 'Expired')),
    Step                 text    null check (Step in ('Customer', 'Vendor')),
    NeedsVendorApproval  integer not null,
    ApprovedQuantity     integer null,
    ApprovedDurationDays integer null,
    DecidedAt            text    null,
    DecidedBy            text    null,
    DecisionReason       text    null,
    ProvisionedGrantId   integer null references EntitlementGrant (Id),
    Version              integer not null default 1,
    CreatedAt            text    not null,
    UpdatedAt            text    not null
);
create index IX_AccessRequest_CustomerId_CreatedAt on AccessRequest (CustomerId, CreatedAt);
create index IX_AccessRequest_State_CreatedAt on AccessRequest (State, CreatedAt);

create table AccessRequestEvent (
    Id        integer primary key,
    RequestId integer not null references AccessRequest (Id),
    At        text    not null,
    Actor     text    not null,
    Action    text    not null,
    Note      text    null
);
create index IX_AccessRequestEvent_RequestId on AccessRequestEvent (RequestId, At);

create index IX_EntitlementGrant_ValidUntil_Expiry on EntitlementGrant (ValidUntil);
