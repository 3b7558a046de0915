-- Outbound events: an outbox written in the transaction of the change that causes each event, and the webhook
-- endpoints that receive them, with one delivery row per (event, endpoint) and one attempt row per HTTP call.
create table OutboundEvent (
    Id         bigint identity primary key,
    MessageId  nvarchar(64)  not null unique,
    Type       nvarchar(64)  not null,
    CustomerId bigint        null references Customer (Id),
    OccurredAt datetime2     not null,
    Payload    nvarchar(max) not null
);
create index IX_OutboundEvent_CustomerId on OutboundEvent (CustomerId, Id);

-- Enabled while DisabledAt is null. The secret is protected by the Data Protection key ring; after a rotation the
-- previous one still signs (a second signature) until PreviousSecretUntil.
create table WebhookEndpoint (
    Id                  bigint identity primary key,
    Url                 nvarchar(2000) not null,
    Description         nvarchar(200)  not null default '',
    EventTypes          nvarchar(1000) not null,
    ProtectedSecret     nvarchar(max)  not null,
    PreviousSecret      nvarchar(max)  null,
    PreviousSecretUntil datetime2      null,
    CreatedAt           datetime2      not null,
    CreatedBy           nvarchar(200)  not null,
    FailingSince        datetime2      null,
    DisabledAt          datetime2      null,
    DisabledReason      nvarchar(400)  null,
    DeletedAt           datetime2      null
);

create table WebhookDelivery (
    Id              bigint identity primary key,
    OutboundEventId bigint       not null references OutboundEvent (Id),
    EndpointId      bigint       not null references WebhookEndpoint (Id),
    Status          nvarchar(20) not null check (Status in ('Pending', 'Delivered', 'Failed')),
    Attempts        int          not null,
    NextAttemptAt   datetime2    not null,
    ClaimedUntil    datetime2    null,
    CreatedAt       datetime2    not null,
    DeliveredAt     datetime2    null,
    unique (OutboundEventId, EndpointId)
);
create index IX_WebhookDelivery_Status on WebhookDelivery (Status, NextAttemptAt);
create index IX_WebhookDelivery_EndpointId on WebhookDelivery (EndpointId, Id);

create table WebhookAttempt (
    Id           bigint identity primary key,
    DeliveryId   bigint         not null references WebhookDelivery (Id),
    AttemptedAt  datetime2      not null,
    StatusCode   int            null,
    DurationMs   int            not null,
    Error        nvarchar(2000) null,
    Manual       int            not null default 0
);
create index IX_WebhookAttempt_DeliveryId on WebhookAttempt (DeliveryId, Id);
