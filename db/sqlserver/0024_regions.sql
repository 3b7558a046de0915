-- Geo-fenced entitlements. A region is a named set of ISO 3166-1 alpha-2 country codes (Countries: sorted, comma
-- separated); the embargo list holds countries where nothing is ever granted. A plan entitlement, an add-on entitlement
-- and a grant may carry a region rule (Regions), "only:EU,GB" or "except:US" (country codes or region codes), null meaning
-- everywhere. A feature's NoCountryPolicy says how a check without a country is answered when a source has a rule:
-- 'deny' (sources with a rule do not count) or 'anywhere' (as in a country every source allows).
create table Region (
    Code      nvarchar(32)   not null constraint PK_Region primary key,
    Name      nvarchar(200)  not null,
    Countries nvarchar(1000) not null,
    CreatedAt datetime2      not null
);

create table EmbargoCountry (
    Country nchar(2)  not null constraint PK_EmbargoCountry primary key,
    AddedAt datetime2 not null
);

alter table PlanEntitlement add Regions nvarchar(1000) null;
alter table AddOnEntitlement add Regions nvarchar(1000) null;
alter table EntitlementGrant add Regions nvarchar(1000) null;
alter table Feature add NoCountryPolicy nvarchar(20) not null constraint DF_Feature_NoCountryPolicy default 'deny'
    constraint CK_Feature_NoCountryPolicy check (NoCountryPolicy in ('deny', 'anywhere'));
GO

insert into Region (Code, Name, Countries, CreatedAt) values
    ('EU', 'the EU', 'AT,BE,BG,CY,CZ,DE,DK,EE,ES,FI,FR,GR,HR,HU,IE,IT,LT,LU,LV,MT,NL,PL,PT,RO,SE,SI,SK', '2026-12-03T00:00:00'),
    ('EEA', 'the EEA', 'AT,BE,BG,CY,CZ,DE,DK,EE,ES,FI,FR,GR,HR,HU,IE,IS,IT,LI,LT,LU,LV,MT,NL,NO,PL,PT,RO,SE,SI,SK', '2026-12-03T00:00:00'),
    ('DACH', 'DACH', 'AT,CH,DE', '2026-12-03T00:00:00'),
    ('NORTH-AMERICA', 'North America', 'CA,MX,US', '2026-12-03T00:00:00');
GO

-- Region definitions and the embargo list change what every rule means: they move the entitlement stamp (0008) too.
create trigger TR_Region_EntitlementStamp on Region after insert, update, delete
as
begin
    if @@rowcount = 0 return;
    set nocount on;
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;
GO

create trigger TR_EmbargoCountry_EntitlementStamp on EmbargoCountry after insert, update, delete
as
begin
    if @@rowcount = 0 return;
    set nocount on;
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;
GO
