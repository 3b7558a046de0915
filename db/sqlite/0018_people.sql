-- People getting in by themselves: invitations carry the invitee's name when the inviter knows it (the CRM's owner) and
-- when the invitee last asked for a new one (one request a day reaches the inviter); reset links are counted per user.
alter table Invitation add column Name text null;
alter table Invitation add column ReissueRequestedAt text null;
create index IX_PasswordReset_UserId on PasswordReset (UserId, CreatedAt);
