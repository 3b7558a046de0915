-- Alerts each customer user chooses. AlertPreference: per metered feature, the thresholds a user wants to hear about
-- ("50% 80% 100%" shares of the cap, or unit counts such as "5000") and where ("portal", "email"); UserId 0 is the
-- account's default, set by an Owner or Admin. Without a row the vendor's thresholds apply, in the portal.
create table AlertPreference (
    CustomerId integer      not null references Customer (Id),
    UserId     integer      not null,
    FeatureId  integer      not null references Feature (Id),
    Thresholds text         not null,
    Channels   text         not null,
    UpdatedAt  text         not null,
    UpdatedBy  text         not null,
    primary key (CustomerId, UserId, FeatureId)
);

-- One row per alert sent: once per user, feature, period and threshold, however often the rollup sees the usage.
create table UsageAlert (
    UserId      integer      not null references AppUser (Id),
    FeatureId   integer      not null references Feature (Id),
    PeriodStart text         not null,
    Threshold   text         not null,
    CreatedAt   text         not null,
    primary key (UserId, FeatureId, PeriodStart, Threshold)
);

-- A user's choice for one kind of mail (usage, requests, grants): Enabled 0 after a one-click unsubscribe.
create table MailChoice (
    UserId    integer      not null references AppUser (Id),
    Kind      text         not null,
    Enabled   integer      not null,
    UpdatedAt text         not null,
    primary key (UserId, Kind)
);

-- Extra headers of a message (List-Unsubscribe), one "Name: value" a line.
alter table OutgoingMail add column Headers text null;
