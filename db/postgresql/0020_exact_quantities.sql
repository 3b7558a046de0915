-- Usage quantities are exact decimals (issue 13): at most 10^18 with 6 decimal places, numeric(38,6) leaves room for
-- sums. Existing values (binary floats) are taken to 6 decimal places.
alter table UsageEvent alter column Quantity type numeric(38,6) using round(Quantity::numeric, 6);
alter table UsageHourly
    alter column Total type numeric(38,6) using round(Total::numeric, 6),
    alter column Peak type numeric(38,6) using round(Peak::numeric, 6),
    alter column LatestValue type numeric(38,6) using round(LatestValue::numeric, 6);
alter table ThresholdCrossing alter column Usage type numeric(38,6) using round(Usage::numeric, 6);
