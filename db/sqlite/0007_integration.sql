-- Integration API: the ASP.NET Core Data Protection key ring, the entitlement-token signing keys (their private
-- halves protected by that key ring) and the outcomes of idempotent provisioning requests.
create table DataProtectionKey (
    Id           integer primary key,
    FriendlyName text    not null,
    Xml          text    not null,
    CreatedAt    text    not null
);

-- ES256 keys. The newest key that is not retired signs; a retired key stays published in the JWKS until
-- PublishUntil, when the last token it signed has expired. A retired key's private half is erased.
create table SigningKey (
    Id                  integer primary key,
    Kid                 text    not null unique,
    Algorithm           text    not null,
    PublicJwk           text    not null,
    ProtectedPrivateKey text    not null,
    CreatedAt           text    not null,
    RetiredAt           text    null,
    PublishUntil        text    null
);

-- One row per (API key, Idempotency-Key): the request's fingerprint and the first response, written in the
-- same transaction as the change it describes.
create table IdempotencyRecord (
    Id             integer primary key,
    ApiKeyId       integer not null references ApiKey (Id),
    IdempotencyKey text    not null,
    RequestHash    text    not null,
    StatusCode     integer not null,
    ResponseBody   text    not null,
    Location       text    null,
    CreatedAt      text    not null,
    unique (ApiKeyId, IdempotencyKey)
);
create index IX_IdempotencyRecord_CreatedAt on IdempotencyRecord (CreatedAt);
