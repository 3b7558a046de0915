-- Usage quantities are exact decimals (issue 13): at most 10^18 with 6 decimal places. SQLite has no exact decimal type
-- and its 64-bit integers cannot hold 10^18 to six places, so each quantity column becomes fixed-width text, a scaled
-- integer written out (24 integer digits, a point, 6 decimals): text order is then numeric order, and the app's
-- exact_sum / exact_add functions add it in decimal. Existing values (binary floats) are taken to 6 decimal places.
alter table UsageEvent add column QuantityExact text not null default '000000000000000000000000.000000';
update UsageEvent set QuantityExact = printf('%031.6f', Quantity);
alter table UsageEvent drop column Quantity;
alter table UsageEvent rename column QuantityExact to Quantity;

alter table UsageHourly add column TotalExact text not null default '000000000000000000000000.000000';
alter table UsageHourly add column PeakExact text not null default '000000000000000000000000.000000';
alter table UsageHourly add column LatestValueExact text not null default '000000000000000000000000.000000';
update UsageHourly set TotalExact = printf('%031.6f', Total), PeakExact = printf('%031.6f', Peak), LatestValueExact = printf('%031.6f', LatestValue);
alter table UsageHourly drop column Total;
alter table UsageHourly drop column Peak;
alter table UsageHourly drop column LatestValue;
alter table UsageHourly rename column TotalExact to Total;
alter table UsageHourly rename column PeakExact to Peak;
alter table UsageHourly rename column LatestValueExact to LatestValue;

alter table ThresholdCrossing add column UsageExact text not null default '000000000000000000000000.000000';
update ThresholdCrossing set UsageExact = printf('%031.6f', Usage);
alter table ThresholdCrossing drop column Usage;
alter table ThresholdCrossing rename column UsageExact to Usage;
