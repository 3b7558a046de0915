-- Metering: raw usage events, hourly rollups, the rollup watermark, threshold crossings and API keys.
create table UsageEvent (
    Id         bigint identity primary key,
    CustomerId bigint        not null references Customer (Id),
    FeatureId  bigint        not null references Feature (Id),
    EventId    nvarchar(200) not null,
    Quantity   float         not null,
    OccurredAt datetime2     not null,
    ReceivedAt datetime2     not null,
    constraint UQ_UsageEvent_Customer_EventId unique (CustomerId, EventId)
);
create index IX_UsageEvent_Customer_Feature_OccurredAt on UsageEvent (CustomerId, FeatureId, OccurredAt);

create table UsageHourly (
    CustomerId  bigint    not null references Customer (Id),
    FeatureId   bigint    not null references Feature (Id),
    HourStart   datetime2 not null,
    Total       float     not null,
    Peak        float     not null,
    LatestAt    datetime2 not null,
    LatestValue float     not null,
    EventCount  int       not null,
    primary key (CustomerId, FeatureId, HourStart)
);

create table RollupWatermark (
    Name        nvarchar(100) primary key,
    LastEventId bigint        not null,
    UpdatedAt   datetime2     not null
);

create table ThresholdCrossing (
    Id          bigint identity primary key,
    CustomerId  bigint    not null references Customer (Id),
    FeatureId   bigint    not null references Feature (Id),
    PeriodStart datetime2 not null,
    Threshold   int       not null,
    Usage       float     not null,
    Cap         bigint    not null,
    CrossedAt   datetime2 not null,
    constraint UQ_ThresholdCrossing unique (CustomerId, FeatureId, PeriodStart, Threshold)
);

create table ApiKey (
    Id         bigint identity primary key,
    Name       nvarchar(200) not null,
    Prefix     nvarchar(40)  not null constraint UQ_ApiKey_Prefix unique,
    KeyHash    nvarchar(200) not null,
    Scopes     nvarchar(400) not null,
    CreatedAt  datetime2     not null,
    CreatedBy  nvarchar(320) not null,
    RevokedAt  datetime2     null,
    LastUsedAt datetime2     null
);
