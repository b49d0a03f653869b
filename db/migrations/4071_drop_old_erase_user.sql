-- astapa.erase_user gains erased_by (the person, or the sweeper of abandoned passkey sign-ups), which its audit
-- entry records (db/api/account.sql).
drop function if exists astapa.erase_user(bigint);
