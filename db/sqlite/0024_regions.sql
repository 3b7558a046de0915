-- Geo-fenced entitlements. A region is a named set of ISO 3166-1 alpha-2 country codes (Countries: sorted, comma
-- separated); the embargo list holds countries where nothing is ever granted. A plan entitlement, an add-on entitlement
-- and a grant may carry a region rule (Regions), "only:EU,GB" or "except:US" (country codes or region codes), null meaning
-- everywhere. A feature's NoCountryPolicy says how a check without a country is answered when a source has a rule:
-- 'deny' (sources with a rule do not count) or 'anywhere' (as in a country every source allows).
create table Region (
    Code      text not null primary key,
    Name      text not null,
    Countries text not null,
    CreatedAt text not null
);

create table EmbargoCountry (
    Country text not null primary key,
    AddedAt text not null
);

alter table PlanEntitlement add column Regions text null;
alter table AddOnEntitlement add column Regions text null;
alter table EntitlementGrant add column Regions text null;
alter table Feature add column NoCountryPolicy text not null default 'deny' check (NoCountryPolicy in ('deny', 'anywhere'));

insert into Region (Code, Name, Countries, CreatedAt) values
    ('EU', 'the EU', 'AT,BE,BG,CY,CZ,DE,DK,EE,ES,FI,FR,GR,HR,HU,IE,IT,LT,LU,LV,MT,NL,PL,PT,RO,SE,SI,SK', '2026-12-03 00:00:00'),
    ('EEA', 'the EEA', 'AT,BE,BG,CY,CZ,DE,DK,EE,ES,FI,FR,GR,HR,HU,IE,IS,IT,LI,LT,LU,LV,MT,NL,NO,PL,PT,RO,SE,SI,SK', '2026-12-03 00:00:00'),
    ('DACH', 'DACH', 'AT,CH,DE', '2026-12-03 00:00:00'),
    ('NORTH-AMERICA', 'North America', 'CA,MX,US', '2026-12-03 00:00:00');

-- Region definitions and the embargo list change what every rule means: they move the entitlement stamp (0008) too.
create trigger TR_Region_Insert_EntitlementStamp after insert on Region
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_Region_Update_EntitlementStamp after update on Region
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_Region_Delete_EntitlementStamp after delete on Region
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_EmbargoCountry_Insert_EntitlementStamp after insert on EmbargoCountry
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_EmbargoCountry_Update_EntitlementStamp after update on EmbargoCountry
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_EmbargoCountry_Delete_EntitlementStamp after delete on EmbargoCountry
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;
