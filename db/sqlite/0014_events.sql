-- Outbound events: an outbox written in the transaction of the change that causes each event, and the webhook
-- endpoints that receive them, with one delivery row per (event, endpoint) and one attempt row per HTTP call.
create table OutboundEvent (
    Id         integer primary key,
    MessageId  text    not null unique,
    Type       text    not null,
    CustomerId integer null references Customer (Id),
    OccurredAt text    not null,
    Payload    text    not null
);
create index IX_OutboundEvent_CustomerId on OutboundEvent (CustomerId, Id);

-- Enabled while DisabledAt is null. The secret is protected by the Data Protection key ring; after a rotation the
-- previous one still signs (a second signature) until PreviousSecretUntil.
create table WebhookEndpoint (
    Id                  integer primary key,
    Url                 text    not null,
    Description         text    not null default '',
    EventTypes          text    not null,
    ProtectedSecret     text    not null,
    PreviousSecret      text    null,
    PreviousSecretUntil text    null,
    CreatedAt           text    not null,
    CreatedBy           text    not null,
    FailingSince        text    null,
    DisabledAt          text    null,
    DisabledReason      text    null,
    DeletedAt           text    null
);

create table WebhookDelivery (
    Id              integer primary key,
    OutboundEventId integer not null references OutboundEvent (Id),
    EndpointId      integer not null references WebhookEndpoint (Id),
    Status          text    not null check (Status in ('Pending', 'Delivered', 'Failed')),
    Attempts        integer not null,
    NextAttemptAt   text    not null,
    ClaimedUntil    text    null,
    CreatedAt       text    not null,
    DeliveredAt     text    null,
    unique (OutboundEventId, EndpointId)
);
create index IX_WebhookDelivery_Status on WebhookDelivery (Status, NextAttemptAt);
create index IX_WebhookDelivery_EndpointId on WebhookDelivery (EndpointId, Id);

create table WebhookAttempt (
    Id           integer primary key,
    DeliveryId   integer not null references WebhookDelivery (Id),
    AttemptedAt  text    not null,
    StatusCode   integer null,
    DurationMs   integer not null,
    Error        text    null,
    Manual       integer not null default 0
);
create index IX_WebhookAttempt_DeliveryId on WebhookAttempt (DeliveryId, Id);
