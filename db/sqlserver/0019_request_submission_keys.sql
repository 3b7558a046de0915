-- Exactly-once submission of access requests.
-- SubmissionKey: the token of the form a request was sent from; a second post of the same form finds the first request.
-- PendingKey: what a request asks for (customer, kind, target, quantity, days, grant extended); at most one pending
-- request per key, so a second identical request is refused while the first waits (decided rows leave the index).
alter table AccessRequest add SubmissionKey nvarchar(64) null, PendingKey nvarchar(200) null;
go
create unique index UX_AccessRequest_SubmissionKey on AccessRequest (CustomerId, SubmissionKey) where SubmissionKey is not null;
create unique index UX_AccessRequest_PendingKey on AccessRequest (PendingKey) where State = 'Pending' and PendingKey is not null;
