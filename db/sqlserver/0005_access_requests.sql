-- Access requests (add-on, plan change, temporary access) and every step of their history.
-- Version changes with every transition, so a decision is a conditional update: exactly one decider wins.
create table AccessRequest (
    Id                   bigint identity primary key,
    CustomerId           bigint         not null references Customer (Id),
    RequestedByUserId    bigint         not null references AppUser (Id),
    RequestedBy          nvarchar(320)  not null,
    RequesterRole        nvarchar(20)   not null check (RequesterRole in ('Owner', 'Admin', 'Member')),
    Kind                 nvarchar(20)   not null check (Kind in ('AddOn', 'Plan', 'Access')),
    AddOnId              bigint         null references AddOn (Id),
    PlanId               bigint         null references PricePlan (Id),
    FeatureId            bigint         null references Feature (Id),
    Quantity             int            null check (Quantity >= 1),
    DurationDays         int            null check (DurationDays >= 1),
    ExtendsGrantId       bigint         null references EntitlementGrant (Id),
    Justification        nvarchar(2000) not null,
    State                nvarchar(20)   not null check (State in ('Pending', 'Approved', 'Rejected', 'Cancelled', 'Expired')),
    Step                 nvarchar(20)   null check (Step in ('Customer', 'Vendor')),
    NeedsVendorApproval  bit            not null,
    ApprovedQuantity     int            null,
    ApprovedDurationDays int            null,
    DecidedAt            datetime2      null,
    DecidedBy            nvarchar(320)  null,
    DecisionReason       nvarchar(2000) null,
    ProvisionedGrantId   bigint         null references EntitlementGrant (Id),
    Version              int            not null default 1,
    CreatedAt            datetime2      not null,
    UpdatedAt            datetime2      not null
);
create index IX_AccessRequest_CustomerId_CreatedAt on AccessRequest (CustomerId, CreatedAt);
create index IX_AccessRequest_State_CreatedAt on AccessRequest (State, CreatedAt);

create table AccessRequestEvent (
    Id        bigint identity primary key,
    RequestId bigint         not null references AccessRequest (Id),
    At        datetime2      not null,
    Actor     nvarchar(320)  not null,
    Action    nvarchar(40)   not null,
    Note      nvarchar(2000) null
);
create index IX_AccessRequestEvent_RequestId on AccessRequestEvent (RequestId, At);

create index IX_EntitlementGrant_ValidUntil_Expiry on EntitlementGrant (ValidUntil);
