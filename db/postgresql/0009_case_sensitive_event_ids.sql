-- Usage event ids are exact on every database: 'Case-1', 'case-1' and 'case-1 ' are three events. PostgreSQL's text
-- equality already is; the "C" collation makes the id compare and sort byte by byte whatever the database's locale.
alter table UsageEvent alter column EventId type text collate "C";
