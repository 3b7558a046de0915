-- A stamp that moves whenever an API key is revoked, deleted or has its secret or scopes changed, so each process can
-- keep the keys it verified in memory and still refuse a revoked key on its next request (the entitlement stamp of
-- 0008 does the same for accounts). Recording a key's last use (LastUsedAt) does not move it.
insert into EntitlementStamp (Name, Value) values ('api-keys', 1);

create trigger TR_ApiKey_Update_ApiKeyStamp after update of Prefix, KeyHash, Scopes, RevokedAt on ApiKey
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'api-keys';
end;

create trigger TR_ApiKey_Delete_ApiKeyStamp after delete on ApiKey
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'api-keys';
end;
