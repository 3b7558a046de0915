-- Usage event ids are exact on every database: 'Case-1', 'case-1' and 'case-1 ' are three events, as on SQLite and
-- PostgreSQL. The default collation ignores case; a binary one does not, but every SQL Server comparison (a binary
-- collation's too, and a unique index's) ignores trailing spaces, so the key also holds the id's length in bytes.
alter table UsageEvent drop constraint UQ_UsageEvent_Customer_EventId;
alter table UsageEvent alter column EventId nvarchar(200) collate Latin1_General_100_BIN2 not null;
alter table UsageEvent add EventIdBytes as datalength(EventId) persisted;
alter table UsageEvent add constraint UQ_UsageEvent_Customer_EventId unique (CustomerId, EventId, EventIdBytes);
