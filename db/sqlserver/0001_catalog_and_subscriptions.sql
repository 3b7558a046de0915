-- Catalog, customers, subscriptions, grants and the audit trail. Times are UTC datetime2.
create table Feature (
    Id          bigint identity primary key,
    Handle      nvarchar(100)  not null constraint UQ_Feature_Handle unique,
    Name        nvarchar(200)  not null,
    Description nvarchar(2000) not null default '',
    Kind        nvarchar(20)   not null check (Kind in ('Boolean', 'Limit', 'Metered')),
    Unit        nvarchar(50)   null,
    Aggregation nvarchar(20)   null check (Aggregation in ('Sum', 'Max', 'Latest')),
    CreatedAt   datetime2      not null
);

create table PricePlan (
    Id                bigint identity primary key,
    Code              nvarchar(100)  not null,
    Version           int            not null,
    Family            nvarchar(100)  not null,
    Name              nvarchar(200)  not null,
    Description       nvarchar(2000) not null default '',
    MonthlyPriceCents bigint         not null check (MonthlyPriceCents >= 0),
    RequiresApproval  bit            not null default 0,
    SupersededById    bigint         null references PricePlan (Id),
    CreatedAt         datetime2      not null,
    constraint UQ_PricePlan_Code_Version unique (Code, Version)
);

create table PlanEntitlement (
    PlanId      bigint not null references PricePlan (Id),
    FeatureId   bigint not null references Feature (Id),
    Amount      bigint null check (Amount >= 0),
    IsUnlimited bit    not null default 0,
    HardCap     bit    not null default 1,
    primary key (PlanId, FeatureId)
);

create table AddOn (
    Id                bigint identity primary key,
    Code              nvarchar(100)  not null,
    Version           int            not null,
    Family            nvarchar(100)  not null,
    Name              nvarchar(200)  not null,
    Description       nvarchar(2000) not null default '',
    MonthlyPriceCents bigint         not null check (MonthlyPriceCents >= 0),
    MaxQuantity       int            not null check (MaxQuantity >= 1),
    RequiresApproval  bit            not null default 1,
    SupersededById    bigint         null references AddOn (Id),
    CreatedAt         datetime2      not null,
    constraint UQ_AddOn_Code_Version unique (Code, Version)
);

create table AddOnEntitlement (
    AddOnId     bigint not null references AddOn (Id),
    FeatureId   bigint not null references Feature (Id),
    Amount      bigint null check (Amount >= 0),
    IsUnlimited bit    not null default 0,
    primary key (AddOnId, FeatureId)
);

create table Customer (
    Id          bigint identity primary key,
    ExternalKey nvarchar(100) not null constraint UQ_Customer_ExternalKey unique,
    Name        nvarchar(200) not null,
    CreatedAt   datetime2     not null
);

create table AppUser (
    Id           bigint identity primary key,
    Email        nvarchar(320) not null constraint UQ_AppUser_Email unique,
    DisplayName  nvarchar(200) not null,
    PasswordHash nvarchar(500) not null,
    Role         nvarchar(20)  not null check (Role in ('Owner', 'Admin', 'Member', 'Approver', 'Operator')),
    CustomerId   bigint        null references Customer (Id),
    CreatedAt    datetime2     not null
);
create index IX_AppUser_CustomerId on AppUser (CustomerId);

create table Subscription (
    Id               bigint identity primary key,
    CustomerId       bigint       not null constraint UQ_Subscription_CustomerId unique references Customer (Id),
    PlanId           bigint       not null references PricePlan (Id),
    Status           nvarchar(20) not null check (Status in ('Active', 'Suspended', 'Cancelled')),
    BillingAnchorDay int          not null check (BillingAnchorDay between 1 and 31),
    StartedAt        datetime2    not null,
    UpdatedAt        datetime2    not null
);

create table SubscriptionAddOn (
    SubscriptionId bigint not null references Subscription (Id),
    AddOnId        bigint not null references AddOn (Id),
    Quantity       int    not null check (Quantity >= 1),
    primary key (SubscriptionId, AddOnId)
);

create table EntitlementGrant (
    Id             bigint identity primary key,
    SubscriptionId bigint         not null references Subscription (Id),
    FeatureId      bigint         not null references Feature (Id),
    Amount         bigint         null check (Amount >= 0),
    IsUnlimited    bit            not null default 0,
    Reason         nvarchar(1000) not null,
    GrantedBy      nvarchar(320)  not null,
    ValidFrom      datetime2      null,
    ValidUntil     datetime2      null,
    CreatedAt      datetime2      not null,
    RevokedAt      datetime2      null,
    RevokedBy      nvarchar(320)  null,
    ExpiredAt      datetime2      null,
    check (ValidUntil is null or ValidFrom is null or ValidFrom < ValidUntil)
);
create index IX_EntitlementGrant_SubscriptionId on EntitlementGrant (SubscriptionId);

create table AuditEntry (
    Id         bigint identity primary key,
    At         datetime2      not null,
    Actor      nvarchar(320)  not null,
    CustomerId bigint         null references Customer (Id),
    Kind       nvarchar(100)  not null,
    Subject    nvarchar(400)  not null,
    OldValue   nvarchar(max)  null,
    NewValue   nvarchar(max)  null,
    Reason     nvarchar(2000) null
);
create index IX_AuditEntry_CustomerId_At on AuditEntry (CustomerId, At);
