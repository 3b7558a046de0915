-- Geo-fenced usage and requests. A usage event may say where it happened (Country, ISO 3166-1 alpha-2): operator
-- analytics break usage down by it. An access request may ask for a feature in some places only (Regions, a region
-- rule as in 0024, "only:DE" or "except:US"); the grant it provisions carries that rule.
alter table UsageEvent add column Country text null;
alter table AccessRequest add column Regions text null;
