-- One name per audit kind: the add-on changes of a subscription were written as both "subscription.addon-*" (approved
-- requests, operator version moves) and "subscription.add-on-*" (provisioning). Old rows take the one name kept, so the
-- audit page's kind filter and CSV export find them all.
update AuditEntry set Kind = 'subscription.add-on-changed' where Kind = 'subscription.addon-changed';
update AuditEntry set Kind = 'subscription.add-on-version-moved' where Kind = 'subscription.addon-version-moved';
