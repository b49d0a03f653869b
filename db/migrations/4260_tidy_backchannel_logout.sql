-- Two tidy-ups after merging back-channel logout and DPoP (migrations 4246–4250):
-- * the code redemption and refresh results carry sid beside dpop_jkt in one jsonb_build_object
--   (db/api/tokens.sql), a function call fewer per grant (tests/sql/function_calls_test.ts): astapa.session_claim
--   goes (a fresh database never had it: db/api comes after the migrations);
-- * policy names are sentences of letters (tests/sql/isolation_test.ts): the back-channel logout policies are
--   named "backchannel" now (db/api/backchannel_logout.sql), and the hyphenated names go.
drop function if exists astapa.session_claim(text);
drop policy if exists "a project queues its own back-channel logouts" on astapa.backchannel_logouts;
drop policy if exists "a project reads its own back-channel logouts" on astapa.backchannel_logouts;
drop policy if exists "a project updates its own back-channel logouts" on astapa.backchannel_logouts;
drop policy if exists "definer functions find projects with due back-channel logouts" on astapa.backchannel_logouts;
drop policy if exists "the sweeper finds old back-channel logouts" on astapa.backchannel_logouts;
drop policy if exists "the sweeper removes old back-channel logouts" on astapa.backchannel_logouts;
