-- Catalog, customers, subscriptions, grants and the audit trail.
-- Times are UTC, stored as ISO-8601 text ('yyyy-MM-dd HH:mm:ss.fffffff'), which sorts as it reads.
create table Feature (
    Id          integer primary key,
    Handle      text    not null unique,
    Name        text    not null,
    Description text    not null default '',
    Kind        text    not null check (Kind in ('Boolean', 'Limit', 'Metered')),
    Unit        text    null,
    Aggregation text    null check (Aggregation in ('Sum', 'Max', 'Latest')),
    CreatedAt   text    not null
);

create table PricePlan (
    Id                integer primary key,
    Code              text    not null,
    Version           integer not null,
    Family            text    not null,
    Name              text    not null,
    Description       text    not null default '',
    MonthlyPriceCents integer not null check (MonthlyPriceCents >= 0),
    RequiresApproval  integer not null default 0,
    SupersededById    integer null references PricePlan (Id),
    CreatedAt         text    not null,
    unique (Code, Version)
);

create table PlanEntitlement (
    PlanId      integer not null references PricePlan (Id),
    FeatureId   integer not null references Feature (Id),
    Amount      integer null check (Amount >= 0),
    IsUnlimited integer not null default 0,
    HardCap     integer not null default 1,
    primary key (PlanId, FeatureId)
);

create table AddOn (
    Id                integer primary key,
    Code              text    not null,
    Version           integer not null,
    Family            text    not null,
    Name              text    not null,
    Description       text    not null default '',
    MonthlyPriceCents integer not null check (MonthlyPriceCents >= 0),
    MaxQuantity       integer not null check (MaxQuantity >= 1),
    RequiresApproval  integer not null default 1,
    SupersededById    integer null references AddOn (Id),
    CreatedAt         text    not null,
    unique (Code, Version)
);

create table AddOnEntitlement (
    AddOnId     integer not null references AddOn (Id),
    FeatureId   integer not null references Feature (Id),
    Amount      integer null check (Amount >= 0),
    IsUnlimited integer not null default 0,
    primary key (AddOnId, FeatureId)
);

create table Customer (
    Id          integer primary key,
    ExternalKey text    not null unique,
    Name        text    not null,
    CreatedAt   text    not null
);

create table AppUser (
    Id           integer primary key,
    Email        text    not null unique,
    DisplayName  text    not null,
    PasswordHash text    not null,
    Role         text    not null check (Role in ('Owner', 'Admin', 'Member', 'Approver', 'Operator')),
    CustomerId   integer null references Customer (Id),
    CreatedAt    text    not null
);
create index IX_AppUser_CustomerId on AppUser (CustomerId);

create table Subscription (
    Id               integer primary key,
    CustomerId       integer not null unique references Customer (Id),
    PlanId           integer not null references PricePlan (Id),
    Status           text    not null check (Status in ('Active', 'Suspended', 'Cancelled')),
    BillingAnchorDay integer not null check (BillingAnchorDay between 1 and 31),
    StartedAt        text    not null,
    UpdatedAt        text    not null
);

create table SubscriptionAddOn (
    SubscriptionId integer not null references Subscription (Id),
    AddOnId        integer not null references AddOn (Id),
    Quantity       integer not null check (Quantity >= 1),
    primary key (SubscriptionId, AddOnId)
);

create table EntitlementGrant (
    Id             integer primary key,
    SubscriptionId integer not null references Subscription (Id),
    FeatureId      integer not null references Feature (Id),
    Amount         integer null check (Amount >= 0),
    IsUnlimited    integer not null default 0,
    Reason         text    not null,
    GrantedBy      text    not null,
    ValidFrom      text    null,
    ValidUntil     text    null,
    CreatedAt      text    not null,
    RevokedAt      text    null,
    RevokedBy      text    null,
    ExpiredAt      text    null,
    check (ValidUntil is null or ValidFrom is null or ValidFrom < ValidUntil)
);
create index IX_EntitlementGrant_SubscriptionId on EntitlementGrant (SubscriptionId);

create table AuditEntry (
    Id         integer primary key,
    At         text    not null,
    Actor      text    not null,
    CustomerId integer null references Customer (Id),
    Kind       text    not null,
    Subject    text    not null,
    OldValue   text    null,
    NewValue   text    null,
    Reason     text    null
);
create index IX_AuditEntry_CustomerId_At on AuditEntry (CustomerId, At);
