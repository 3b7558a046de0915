-- Metering: raw usage events, hourly rollups, the rollup watermark, threshold crossings and API keys.
create table UsageEvent (
    Id         integer primary key autoincrement,
    CustomerId integer not null references Customer (Id),
    FeatureId  integer not null references Feature (Id),
    EventId    text    not null,
    Quantity   real    not null,
    OccurredAt text    not null,
    ReceivedAt text    not null,
    unique (CustomerId, EventId)
);
create index IX_UsageEvent_Customer_Feature_OccurredAt on UsageEvent (CustomerId, FeatureId, OccurredAt);

-- One row per (customer, feature, hour); enough to answer Sum, Max and Latest for any range of hours.
create table UsageHourly (
    CustomerId  integer not null references Customer (Id),
    FeatureId   integer not null references Feature (Id),
    HourStart   text    not null,
    Total       real    not null,
    Peak        real    not null,
    LatestAt    text    not null,
    LatestValue real    not null,
    EventCount  integer not null,
    primary key (CustomerId, FeatureId, HourStart)
);

create table RollupWatermark (
    Name        text    primary key,
    LastEventId integer not null,
    UpdatedAt   text    not null
);

create table ThresholdCrossing (
    Id          integer primary key,
    CustomerId  integer not null references Customer (Id),
    FeatureId   integer not null references Feature (Id),
    PeriodStart text    not null,
    Threshold   integer not null,
    Usage       real    not null,
    Cap         integer not null,
    CrossedAt   text    not null,
    unique (CustomerId, FeatureId, PeriodStart, Threshold)
);

create table ApiKey (
    Id         integer primary key,
    Name       text    not null,
    Prefix     text    not null unique,
    KeyHash    text    not null,
    Scopes     text    not null,
    CreatedAt  text    not null,
    CreatedBy  text    not null,
    RevokedAt  text    null,
    LastUsedAt text    null
);
