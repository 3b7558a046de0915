-- A stamp that moves whenever an API key is revoked, deleted or has its secret or scopes changed, so each process can
-- keep the keys it verified in memory and still refuse a revoked key on its next request (the entitlement stamp of
-- 0008 does the same for accounts). Recording a key's last use (LastUsedAt) does not move it.
insert into EntitlementStamp (Name, Value) values ('api-keys', 1);
GO

create trigger TR_ApiKey_Update_ApiKeyStamp on ApiKey after update
as
begin
    if @@rowcount = 0 return;
    set nocount on;
    if update(Prefix) or update(KeyHash) or update(Scopes) or update(RevokedAt)
        update EntitlementStamp set Value = Value + 1 where Name = 'api-keys';
end;
GO

create trigger TR_ApiKey_Delete_ApiKeyStamp on ApiKey after delete
as
begin
    if @@rowcount = 0 return;
    set nocount on;
    update EntitlementStamp set Value = Value + 1 where Name = 'api-keys';
end;
GO
