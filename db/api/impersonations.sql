-- Support staff sign in as a user (docs/impersonation.md). The project's own client asks for a one-time link for a
-- user, naming the actor; the link (its token's SHA-256 here, usable 5 minutes, once) opens a hosted-login session
-- for that user in the browser that follows it, marked with the impersonation, until ends_at. The codes and refresh
-- tokens issued from that session carry the impersonation (db/api/tokens.sql), so every token says act: {sub:
-- actor} and none outlives it. The table and the columns that name it are in migrations 4243 and 4244.

drop policy if exists "a project reads its own impersonations" on astapa.impersonations;
create policy "a project reads its own impersonations" on astapa.impersonations
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project starts impersonations of its own users" on astapa.impersonations;
create policy "a project starts impersonations of its own users" on astapa.impersonations
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project opens and ends its own impersonations" on astapa.impersonations;
create policy "a project opens and ends its own impersonations" on astapa.impersonations
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

-- A management table: machine and self-registered clients may not write it (astapa.refuse_foreign_client_writes).
create or replace trigger impersonations_refuse_foreign_client_writes
  before insert or update or delete or truncate
  on astapa.impersonations for each statement execute function astapa.refuse_foreign_client_writes();

-- Retention (api.sweep_grants): an impersonation 30 days after it ended goes, with what names it; the audit log
-- keeps the record (user.impersonation_created, user.impersonated, user.impersonation_ended).
drop policy if exists "the sweeper finds impersonations ended a month ago" on astapa.impersonations;
create policy "the sweeper finds impersonations ended a month ago" on astapa.impersonations
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

drop policy if exists "the sweeper removes impersonations ended a month ago" on astapa.impersonations;
create policy "the sweeper removes impersonations ended a month ago" on astapa.impersonations
  for delete to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

create or replace function astapa.impersonation_json(i astapa.impersonations) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'id', i.id, 'user_id', i.user_id::text, 'actor', i.actor, 'reason', i.reason, 'created_at', i.created_at,
      'expires_at', i.link_expires_at, 'ends_at', i.ends_at, 'opened_at', i.opened_at, 'ended_at', i.ended_at)
  $$;

comment on function astapa.impersonation_json(astapa.impersonations) is
  'An impersonation as the Platform API shows it (expires_at: the link''s end; ends_at: the impersonation''s). '
  'Never the token hash.';

grant execute on function astapa.impersonation_json(astapa.impersonations) to astapa_app;

create or replace function api.create_impersonation(
  project_id text, user_id bigint, actor text, reason text, minutes integer, token_hash bytea)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    is_disabled boolean;
    created astapa.impersonations;
  begin
    -- The actor goes into tokens and onto pages: printable text only.
    if actor is null or pg_catalog.length(pg_catalog.btrim(actor)) not between 1 and 200 or actor ~ '[[:cntrl:]]' then
      raise exception using errcode = 'AS400',
        message = 'actor names who acts, 1 to 200 characters without control characters.';
    end if;
    if pg_catalog.length(reason) > 500 then
      raise exception using errcode = 'AS400', message = 'reason is at most 500 characters.';
    end if;
    if coalesce(minutes, 15) not between 1 and 60 then
      raise exception using errcode = 'AS400', message = 'minutes is 1 to 60.';
    end if;
    -- The user's row for key share, as a session's start takes it: a disable or an erasure under way commits first.
    select u.disabled into is_disabled from astapa.users u join astapa.projects p on p.id = u.project_id
    where u.project_id = create_impersonation.project_id and u.id = create_impersonation.user_id
      and u.deleted_at is null and u.environment = p.mode
    for key share of u;
    if not found then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    if is_disabled then
      raise exception using errcode = 'AS409', message = 'This user is disabled: nobody may sign in as them.';
    end if;
    insert into astapa.impersonations (project_id, user_id, actor, reason, token_hash, link_expires_at, ends_at)
    values (create_impersonation.project_id, create_impersonation.user_id, pg_catalog.btrim(actor),
            nullif(pg_catalog.btrim(reason), ''), token_hash, pg_catalog.now() + interval '5 minutes',
            pg_catalog.now() + pg_catalog.make_interval(mins => coalesce(minutes, 15)))
    returning * into created;
    perform astapa.audit(create_impersonation.project_id, 'user.impersonation_created', 'user:' || user_id,
      pg_catalog.jsonb_build_object('impersonation_id', created.id, 'actor', created.actor, 'reason', created.reason,
                                    'ends_at', created.ends_at));
    return astapa.impersonation_json(created);
  end
  $$;

comment on function api.create_impersonation(text, bigint, text, text, integer, bytea) is
  'The project''s client lets actor (1-200 characters: who acts, as the app names them; reason up to 500) sign in '
  'as the user for minutes (1-60, default 15) from now: stores the one-time link''s token by its SHA-256, usable for '
  '5 minutes. AS404 for a user not in the project (deleted, or of the other environment), AS409 for a disabled one, '
  'AS400 for a bad argument. Audited user.impersonation_created {impersonation_id, actor, reason, ends_at}.';

grant execute on function api.create_impersonation(text, bigint, text, text, integer, bytea) to astapa_app;

create or replace function api.list_impersonations(project_id text, user_id bigint) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if not exists (select from astapa.users u
                   where u.project_id = list_impersonations.project_id and u.id = list_impersonations.user_id
                     and u.deleted_at is null) then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return coalesce((
      select pg_catalog.jsonb_agg(astapa.impersonation_json(i) order by i.created_at desc)
      from astapa.impersonations i
      where i.project_id = list_impersonations.project_id and i.user_id = list_impersonations.user_id
        and i.ended_at is null and i.ends_at > pg_catalog.now()
        and (i.opened_at is not null or i.link_expires_at > pg_catalog.now())), '[]');
  end
  $$;

comment on function api.list_impersonations(text, bigint) is
  'A user''s live impersonations, newest first: not ended, before ends_at, and opened or with a link still '
  'usable. AS404 unknown user.';

grant execute on function api.list_impersonations(text, bigint) to astapa_app;

create or replace function api.end_impersonation(project_id text, user_id bigint, impersonation_id text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    ended astapa.impersonations;
    sessions integer;
    tokens integer;
    codes integer;
  begin
    -- The user's row for update first, as every revocation of a user's tokens takes it: a code redemption or a
    -- rotation under way (key share) commits first and its token is revoked below; one that comes later waits and
    -- finds the impersonation ended (astapa.live_impersonation).
    perform from astapa.users u
    where u.project_id = end_impersonation.project_id and u.id = end_impersonation.user_id
    for update of u;
    update astapa.impersonations i set ended_at = coalesce(i.ended_at, pg_catalog.now())
    where i.project_id = end_impersonation.project_id and i.user_id = end_impersonation.user_id
      and i.id = end_impersonation.impersonation_id
    returning * into ended;
    if not found then
      raise exception using errcode = 'AS404', message = 'This user has no impersonation with this id.';
    end if;
    -- The tokens before the session, whose end (astapa.end_session_grants) would revoke them as session_ended.
    update astapa.refresh_tokens r set revoked_at = pg_catalog.now(), revoked_reason = 'impersonation_ended'
    where r.project_id = ended.project_id and r.impersonation_id = ended.id and r.revoked_at is null;
    get diagnostics tokens = row_count;
    update astapa.login_sessions s set ended_at = pg_catalog.now()
    where s.project_id = ended.project_id and s.impersonation_id = ended.id and s.ended_at is null;
    get diagnostics sessions = row_count;
    -- An unredeemed code is void as a wrong code_verifier leaves it (redeemed, no family).
    update astapa.authorization_codes c set redeemed_at = pg_catalog.now()
    where c.project_id = ended.project_id and c.impersonation_id = ended.id and c.redeemed_at is null;
    get diagnostics codes = row_count;
    perform astapa.audit(ended.project_id, 'user.impersonation_ended', 'user:' || ended.user_id,
      pg_catalog.jsonb_build_object('impersonation_id', ended.id, 'actor', ended.actor, 'sessions', sessions,
                                    'refresh_tokens', tokens, 'authorization_codes', codes));
    return astapa.impersonation_json(ended);
  end
  $$;

comment on function api.end_impersonation(text, bigint, text) is
  'Ends an impersonation now (ended_at; again: unchanged): its link no longer opens, its session ends, every '
  'refresh token issued from it is revoked (impersonation_ended) and every unredeemed code voided. Locks the '
  'user''s row for update first. AS404 when the user has no such impersonation. Audited user.impersonation_ended '
  '{impersonation_id, actor, sessions, refresh_tokens, authorization_codes}. Returns the impersonation.';

grant execute on function api.end_impersonation(text, bigint, text) to astapa_app;

create or replace function api.impersonation_link(token_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.impersonation_json(i) || pg_catalog.jsonb_build_object('email', u.email)
    from astapa.impersonations i
    join astapa.users u on u.project_id = i.project_id and u.id = i.user_id
    where i.project_id = (select astapa.current_project_id()) and i.token_hash = impersonation_link.token_hash
      and i.opened_at is null and i.ended_at is null
      and i.link_expires_at > pg_catalog.now() and i.ends_at > pg_catalog.now()
      and astapa.user_may_sign_in(i.project_id, i.user_id)
  $$;

comment on function api.impersonation_link(bytea) is
  'What an unused, unexpired link of the current project would open (the impersonation with the user''s email), '
  'for the page that asks before opening it; null when unknown, opened, ended, expired, or the user may not sign '
  'in now (astapa.user_may_sign_in).';

grant execute on function api.impersonation_link(bytea) to astapa_app;

create or replace function api.open_impersonation(token_hash bytea, session_hash bytea, replaces bytea default null,
  user_agent text default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    acting astapa.impersonations;
    person bigint;
    previous record;
  begin
    -- The user's row first, for key share (as a session's start takes it), then the link: an ending (user for
    -- update, then the impersonation) either committed first and is seen, or waits for this one and ends its session.
    select i.user_id into person from astapa.impersonations i
    where i.project_id = (select astapa.current_project_id()) and i.token_hash = open_impersonation.token_hash;
    perform from astapa.users u
    where u.project_id = (select astapa.current_project_id()) and u.id = person
    for key share of u;
    select * into acting from astapa.impersonations i
    where i.project_id = (select astapa.current_project_id()) and i.token_hash = open_impersonation.token_hash
    for update;
    if not found or acting.opened_at is not null or acting.ended_at is not null
       or acting.link_expires_at <= pg_catalog.now() or acting.ends_at <= pg_catalog.now()
       or not astapa.user_may_sign_in(acting.project_id, acting.user_id) then
      raise exception 'this impersonation link is unknown, used or expired' using errcode = 'AS4G0';
    end if;
    update astapa.impersonations i set opened_at = pg_catalog.now()
    where i.project_id = acting.project_id and i.id = acting.id
    returning * into acting;
    -- The session lasts as long as the impersonation; its amr says no factor of the person was presented.
    insert into astapa.login_sessions (project_id, token_hash, user_id, expires_at, amr, user_agent, impersonation_id)
    values (acting.project_id, session_hash, acting.user_id, acting.ends_at, '{imp}',
            pg_catalog.left(user_agent, 512), acting.id);
    -- The session this browser held for the project ends: never two people mixed in one browser, and never the
    -- person's own session kept under an impersonation's cookie. Whose it was is said on the page.
    select s.user_id, u.email into previous
    from astapa.login_sessions s join astapa.users u on u.project_id = s.project_id and u.id = s.user_id
    where s.project_id = acting.project_id and s.token_hash = open_impersonation.replaces
      and s.ended_at is null and s.expires_at > pg_catalog.now();
    if replaces is not null then
      perform api.end_login_session(replaces);
    end if;
    perform astapa.audit(acting.project_id, 'user.impersonated', 'user:' || acting.user_id,
      pg_catalog.jsonb_build_object('impersonation_id', acting.id, 'actor', acting.actor, 'reason', acting.reason,
                                    'ends_at', acting.ends_at,
                                    'ended_session_of', case when previous.user_id is not null
                                                             then 'user:' || previous.user_id end));
    return astapa.impersonation_json(acting)
      || pg_catalog.jsonb_build_object(
        'email', (select u.email from astapa.users u where u.project_id = acting.project_id and u.id = acting.user_id),
        'ended_session', case when previous.user_id is null then null
                              else pg_catalog.jsonb_build_object('email', previous.email,
                                     'same_user', previous.user_id = acting.user_id) end);
  end
  $$;

comment on function api.open_impersonation(bytea, bytea, bytea, text) is
  'Opens an impersonation link once (token_hash): starts a hosted-login session (session_hash) for its user that '
  'lasts until the impersonation''s ends_at, with amr {imp} and the impersonation named, and ends the session the '
  'browser held for the project (replaces), whoever''s it was (ended_session: its email and whether it was the '
  'same user''s). AS4G0 for an unknown, opened, ended or expired link, or a user who may not sign in now. Locks the '
  'user''s row for key share before the link. Audited user.impersonated {impersonation_id, actor, reason, ends_at, '
  'ended_session_of}.';

grant execute on function api.open_impersonation(bytea, bytea, bytea, text) to astapa_app;

create or replace function astapa.live_impersonation(impersonation_id text) returns astapa.impersonations
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    acting astapa.impersonations;
  begin
    select * into acting from astapa.impersonations i
    where i.project_id = (select astapa.current_project_id()) and i.id = live_impersonation.impersonation_id;
    if not found or acting.ended_at is not null or acting.ends_at <= pg_catalog.now() then
      raise exception 'the impersonation this sign-in belongs to has ended' using errcode = 'AS4G0';
    end if;
    return acting;
  end
  $$;

comment on function astapa.live_impersonation(text) is
  'The impersonation a code or refresh token belongs to while it lasts (not ended, before ends_at); AS4G0 after, '
  'so nothing issued from it works once it ends (api.redeem_authorization_code, api.rotate_refresh_token, which '
  'call it only for a sign-in that names one: a person''s own pays nothing).';

grant execute on function astapa.live_impersonation(text) to astapa_app;

create or replace function astapa.impersonation_is_live(impersonation_id text, user_id bigint) returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    select exists (select from astapa.impersonations i
                   where i.project_id = (select astapa.current_project_id())
                     and i.id = impersonation_is_live.impersonation_id and i.user_id = impersonation_is_live.user_id
                     and i.ended_at is null and i.ends_at > pg_catalog.now())
  $$;

comment on function astapa.impersonation_is_live(text, bigint) is
  'Whether the impersonation an access token''s act names (impersonation_id) is still on for that user in the '
  'current project: not ended (its DELETE, its session''s end, a sign-out everywhere or a reset) and before '
  'ends_at. What introspection, userinfo and token exchange ask of a token a signature alone cannot tell about.';

grant execute on function astapa.impersonation_is_live(text, bigint) to astapa_app;

create or replace function astapa.impersonation_claims(acting astapa.impersonations, access_ttl integer)
  returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    -- Access and ID tokens end with the impersonation too: their lifetime is cut to what is left of it.
    -- act names the impersonation too, so introspection can tell once it ended (api.access_token_active), and a
    -- token exchange, which nests the act it finds, passes it on.
    select pg_catalog.jsonb_build_object('act',
      pg_catalog.jsonb_build_object('sub', (acting).actor, 'impersonation_id', (acting).id),
      'access_ttl', least(impersonation_claims.access_ttl, greatest(1,
        pg_catalog.floor(extract(epoch from (acting).ends_at - pg_catalog.now()))::integer)))
  $$;

comment on function astapa.impersonation_claims(astapa.impersonations, integer) is
  'What an impersonated sign-in adds to a grant''s result (the impersonation as astapa.live_impersonation found '
  'it): act {sub: actor, impersonation_id} (RFC 8693 §4.1) and access_ttl cut to the seconds left before ends_at.';

grant execute on function astapa.impersonation_claims(astapa.impersonations, integer) to astapa_app;

create or replace function api.impersonated_session(token_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('impersonation_id', i.id, 'user_id', s.user_id::text, 'email', u.email,
                                         'actor', i.actor, 'ends_at', i.ends_at)
    from astapa.login_sessions s
    join astapa.impersonations i on i.project_id = s.project_id and i.id = s.impersonation_id
    join astapa.users u on u.project_id = s.project_id and u.id = s.user_id
    where s.project_id = (select astapa.current_project_id()) and s.token_hash = impersonated_session.token_hash
      and s.ended_at is null and s.expires_at > pg_catalog.now() and i.ended_at is null
      and astapa.user_may_sign_in(s.project_id, s.user_id)
  $$;

comment on function api.impersonated_session(bytea) is
  'For a live session an impersonation opened: the impersonation, the user and their email, the actor and ends_at '
  '(what the hosted pages show and the account page refuses changes for); null for any other session.';

grant execute on function api.impersonated_session(bytea) to astapa_app;
