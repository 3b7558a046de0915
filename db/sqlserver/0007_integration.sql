-- Integration API: the ASP.NET Core Data Protection key ring, the entitlement-token signing keys (their private
-- halves protected by that key ring) and the outcomes of idempotent provisioning requests.
create table DataProtectionKey (
    Id           bigint identity primary key,
    FriendlyName nvarchar(200) not null,
    Xml          nvarchar(max) not null,
    CreatedAt    datetime2     not null
);

-- ES256 keys. The newest key that is not retired signs; a retired key stays published in the JWKS until
-- PublishUntil, when the last token it signed has expired. A retired key's private half is erased.
create table SigningKey (
    Id                  bigint identity primary key,
    Kid                 nvarchar(100) not null constraint UQ_SigningKey_Kid unique,
    Algorithm           nvarchar(20)  not null,
    PublicJwk           nvarchar(max) not null,
    ProtectedPrivateKey nvarchar(max) not null,
    CreatedAt           datetime2     not null,
    RetiredAt           datetime2     null,
    PublishUntil        datetime2     null
);

-- One row per (API key, Idempotency-Key): the request's fingerprint and the first response, written in the
-- same transaction as the change it describes.
create table IdempotencyRecord (
    Id             bigint identity primary key,
    ApiKeyId       bigint        not null references ApiKey (Id),
    IdempotencyKey nvarchar(255) not null,
    RequestHash    nvarchar(100) not null,
    StatusCode     int           not null,
    ResponseBody   nvarchar(max) not null,
    Location       nvarchar(400) null,
    CreatedAt      datetime2     not null,
    constraint UQ_IdempotencyRecord_Key unique (ApiKeyId, IdempotencyKey)
);
create index IX_IdempotencyRecord_CreatedAt on IdempotencyRecord (CreatedAt);
