-- Alerts each customer user chooses. AlertPreference: per metered feature, the thresholds a user wants to hear about
-- ("50% 80% 100%" shares of the cap, or unit counts such as "5000") and where ("portal", "email"); UserId 0 is the
-- account's default, set by an Owner or Admin. Without a row the vendor's thresholds apply, in the portal.
create table AlertPreference (
    CustomerId bigint       not null references Customer (Id),
    UserId     bigint       not null,
    FeatureId  bigint       not null references Feature (Id),
    Thresholds nvarchar(400) not null,
    Channels   nvarchar(40) not null,
    UpdatedAt  datetime2    not null,
    UpdatedBy  nvarchar(400) not null,
    primary key (CustomerId, UserId, FeatureId)
);

-- One row per alert sent: once per user, feature, period and threshold, however often the rollup sees the usage.
create table UsageAlert (
    UserId      bigint       not null references AppUser (Id),
    FeatureId   bigint       not null references Feature (Id),
    PeriodStart datetime2    not null,
    Threshold   nvarchar(40) not null,
    CreatedAt   datetime2    not null,
    primary key (UserId, FeatureId, PeriodStart, Threshold)
);

-- A user's choice for one kind of mail (usage, requests, grants): Enabled 0 after a one-click unsubscribe.
create table MailChoice (
    UserId    bigint       not null references AppUser (Id),
    Kind      nvarchar(40) not null,
    Enabled   int          not null,
    UpdatedAt datetime2    not null,
    primary key (UserId, Kind)
);

-- Extra headers of a message (List-Unsubscribe), one "Name: value" a line.
alter table OutgoingMail add Headers nvarchar(max) null;
