-- Joining organizations (issue 28): invitations by email accepted through the hosted login, verified email
-- domains whose people may join (or are joined) per the project's organization_domain_join setting, a person's
-- own organizations, and the active organization's claims in their tokens.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

create or replace function astapa.invitation_json(i astapa.organization_invitations) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'id', i.id, 'organization_id', i.organization_id, 'organization_name', o.name, 'email', i.email,
      'role', i.role, 'invited_by', i.invited_by::text, 'expires_at', i.expires_at,
      'status', case when i.accepted_at is not null then 'accepted' when i.revoked_at is not null then 'revoked'
                     when i.expires_at <= pg_catalog.now() then 'expired' else 'pending' end,
      'accepted_by', i.accepted_by::text, 'created_at', i.created_at)
    from astapa.organizations o where o.project_id = i.project_id and o.id = i.organization_id
  $$;

comment on function astapa.invitation_json(astapa.organization_invitations) is
  'An invitation as the API shows it, with status pending, accepted, revoked or expired (never its token).';

grant execute on function astapa.invitation_json(astapa.organization_invitations) to astapa_app;

create or replace function api.invite_to_organization(
  organization_id text, email text, role text, token_hash bytea, ttl_seconds integer default 604800,
  invited_by bigint default null, mail jsonb default null, accept_url text default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    i astapa.organization_invitations;
  begin
    perform astapa.assert_email(email);
    perform astapa.assert_organization_role(role);
    if ttl_seconds is null or ttl_seconds not between 60 and 2592000 then
      raise exception using errcode = 'AS400', message = 'An invitation lives 1 minute to 30 days.';
    elsif token_hash is null or pg_catalog.octet_length(token_hash) <> 32 then
      raise exception using errcode = 'AS400', message = 'token_hash must be a SHA-256 (32 bytes).';
    elsif mail is not null and not coalesce(astapa.is_app_url(o.project_id, accept_url), false) then
      -- The mail goes out under the project's name: its link may only lead to the app, like a checkout's.
      raise exception using errcode = 'AS400',
        detail = '{"accept_url": ["Must be on the origin of one of the project''s redirect URIs."]}',
        message = 'accept_url must be on the origin of one of the project''s redirect URIs.';
    elsif exists (select from astapa.organization_memberships m join astapa.users u
                    on u.project_id = m.project_id and u.id = m.user_id
                  where m.project_id = o.project_id and m.organization_id = o.id
                    and u.email_lower = pg_catalog.lower(invite_to_organization.email)) then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('%s is already a member of %s.', email, o.name);
    elsif invited_by is not null and not exists (
        select from astapa.organization_memberships m where m.project_id = o.project_id
          and m.organization_id = o.id and m.user_id = invited_by and m.role in ('owner', 'admin')) then
      raise exception using errcode = 'AS403',
        message = pg_catalog.format('Only owners and admins of %s may invite people to it.', o.name);
    elsif invited_by is not null and role = 'owner' and not exists (
        select from astapa.organization_memberships m where m.project_id = o.project_id
          and m.organization_id = o.id and m.user_id = invited_by and m.role = 'owner') then
      -- An admin's invitation as owner (their own second address, say) would outrank whoever made them admin.
      raise exception using errcode = 'AS403',
        message = pg_catalog.format('Only an owner of %s may invite someone as an owner.', o.name);
    end if;
    -- Inviting the same address again replaces the open invitation (a new link, a new expiry, maybe a new role).
    update astapa.organization_invitations x set revoked_at = pg_catalog.now()
    where x.project_id = o.project_id and x.organization_id = o.id
      and pg_catalog.lower(x.email) = pg_catalog.lower(invite_to_organization.email)
      and x.accepted_at is null and x.revoked_at is null;
    perform astapa.assert_organization_seat(o, true);
    insert into astapa.organization_invitations (
      project_id, id, organization_id, email, role, token_hash, invited_by, expires_at)
    values (o.project_id, astapa.random_id('oin_', 24), o.id, email, role, token_hash, invited_by,
            pg_catalog.now() + pg_catalog.make_interval(secs => ttl_seconds))
    returning * into i;
    if mail is not null then
      perform api.queue_mail(o.project_id, mail);
    end if;
    perform astapa.audit(o.project_id, 'organization.invited', o.id,
      pg_catalog.jsonb_build_object('invitation', i.id, 'email', email, 'role', role));
    return astapa.invitation_json(i);
  end
  $$;

comment on function api.invite_to_organization(text, text, text, bytea, integer, bigint, jsonb, text) is
  'Invites an address to an organization with a role (replacing its open invitation), queues the invitation '
  'mail with it, audited. invited_by, when given, must be an owner or admin, and an owner to invite an owner '
  '(AS403). AS409 already a member, '
  'AS4F9 no free seat (members and open invitations count), AS400 bad address, role, ttl or token hash, or a mail '
  'whose accept_url is not on the origin of one of the project''s redirect URIs.';

grant execute on function api.invite_to_organization(text, text, text, bytea, integer, bigint, jsonb, text) to astapa_app;

create or replace function api.list_organization_invitations(organization_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(astapa.invitation_json(i) order by i.created_at desc, i.id), '[]')
    from astapa.organization_invitations i
    join astapa.organizations o on o.project_id = i.project_id and o.id = i.organization_id
    where i.project_id = (select astapa.current_project_id())
      and (o.id = list_organization_invitations.organization_id or o.slug = list_organization_invitations.organization_id)
  $$;

comment on function api.list_organization_invitations(text) is
  'An organization''s (id or slug) invitations, newest first.';

grant execute on function api.list_organization_invitations(text) to astapa_app;

create or replace function api.revoke_organization_invitation(invitation_id text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    i astapa.organization_invitations;
  begin
    update astapa.organization_invitations x set revoked_at = pg_catalog.now()
    where x.project_id = (select astapa.current_project_id()) and x.id = invitation_id
      and x.accepted_at is null and x.revoked_at is null
    returning * into i;
    if i.id is null then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('No open invitation %s in this project.', invitation_id);
    end if;
    perform astapa.audit(i.project_id, 'organization.invitation_revoked', i.organization_id,
      pg_catalog.jsonb_build_object('invitation', i.id, 'email', i.email));
    return astapa.invitation_json(i);
  end
  $$;

comment on function api.revoke_organization_invitation(text) is
  'Revokes an open invitation (its link stops working); audited. AS404 when none is open by that id.';

grant execute on function api.revoke_organization_invitation(text) to astapa_app;

create or replace function api.organization_invitation(token_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.invitation_json(i) from astapa.organization_invitations i
    where i.project_id = (select astapa.current_project_id()) and i.token_hash = organization_invitation.token_hash
  $$;

comment on function api.organization_invitation(bytea) is
  'The invitation a link''s token (by its SHA-256) names in the current project, whatever its status (the hosted '
  'login says why one cannot be accepted); null for an unknown token or another project''s.';

grant execute on function api.organization_invitation(bytea) to astapa_app;

create or replace function astapa.assert_invitation_acceptable(i astapa.organization_invitations, user_id bigint)
  returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    person_email text;
    proven boolean;
  begin
    if i.id is null then
      raise exception using errcode = 'AS404', message = 'This invitation link is not one of this app''s.';
    elsif i.accepted_at is not null then
      raise exception using errcode = 'AS409', message = 'This invitation was already accepted.';
    elsif i.revoked_at is not null then
      raise exception using errcode = 'AS409', message = 'This invitation was withdrawn; ask for a new one.';
    elsif i.expires_at <= pg_catalog.now() then
      raise exception using errcode = 'AS409', message = 'This invitation has expired; ask for a new one.';
    end if;
    select u.email, u.email_verified into person_email, proven
    from astapa.users u where u.project_id = i.project_id and u.id = user_id;
    if person_email is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    elsif pg_catalog.lower(person_email) <> pg_catalog.lower(i.email) then
      raise exception using errcode = 'AS403', message = pg_catalog.format(
        'This invitation is for %s; sign in with that address to accept it.', i.email);
    elsif not proven then
      -- The token proves nothing about the mailbox: the app gets it back to show the link (an admin of the
      -- organization may copy it), and anyone may sign up with any address. Accepting it into an account whose
      -- address nobody proved would let that squatter join, or verify the address for them (pre-account
      -- hijacking, docs/security.md). AS4V3 (email_unverified): the hosted login says "confirm it first".
      raise exception using errcode = 'AS4V3', message = pg_catalog.format(
        'Confirm %s first: an invitation is accepted by an account whose address is confirmed.', i.email);
    end if;
  end
  $$;

comment on function astapa.assert_invitation_acceptable(astapa.organization_invitations, bigint) is
  'Whether the user may accept the invitation (null: an unknown link), before its membership''s own checks: '
  'AS404 unknown link or user, AS409 already accepted, withdrawn or expired, AS403 another address, AS4V3 '
  '(email_unverified) the invited address not confirmed yet.';

grant execute on function astapa.assert_invitation_acceptable(astapa.organization_invitations, bigint) to astapa_app;

create or replace function api.organization_invitation_offer(token_hash bytea, user_id bigint) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    i astapa.organization_invitations;
    o astapa.organizations;
    inviter text;
  begin
    select * into i from astapa.organization_invitations x
    where x.project_id = (select astapa.current_project_id())
          and x.token_hash = organization_invitation_offer.token_hash;
    select * into o from astapa.organizations x where x.project_id = i.project_id and x.id = i.organization_id;
    perform astapa.assert_invitation_acceptable(i, user_id);
    perform astapa.assert_may_join(o, user_id, i.role);
    select u.email into inviter from astapa.users u
    where u.project_id = i.project_id and u.id = i.invited_by and u.deleted_at is null;
    return pg_catalog.jsonb_build_object('invitation_id', i.id, 'organization_id', o.id,
      'organization_name', o.name, 'role', i.role, 'invited_by_email', inviter);
  end
  $$;

comment on function api.organization_invitation_offer(bytea, bigint) is
  'What the hosted login asks before the signed-in user accepts an invitation (a link carried by a sign-in joins '
  'nobody unasked): {invitation_id, organization_id, organization_name, role, invited_by_email (null when the '
  'app invited, or the inviter is gone)}. Accepts nothing; raises what api.accept_organization_invitation would '
  '(AS404, AS403, AS4V3, AS409, AS4F9), already a member included.';

grant execute on function api.organization_invitation_offer(bytea, bigint) to astapa_app;

create or replace function api.accept_organization_invitation(token_hash bytea, user_id bigint) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    i astapa.organization_invitations;
    o astapa.organizations;
    membership jsonb;
  begin
    select * into i from astapa.organization_invitations x
    where x.project_id = (select astapa.current_project_id())
          and x.token_hash = accept_organization_invitation.token_hash;
    if i.id is not null then
      -- The organization's lock first, then the invitation read again: two acceptances take turns.
      o := astapa.lock_organization(i.organization_id);
      select * into i from astapa.organization_invitations x where x.project_id = i.project_id and x.id = i.id for update;
    end if;
    perform astapa.assert_invitation_acceptable(i, user_id);
    membership := astapa.add_membership(o, user_id, i.role, 'invitation');
    update astapa.organization_invitations x set accepted_at = pg_catalog.now(), accepted_by = user_id
    where x.project_id = i.project_id and x.id = i.id;
    return membership;
  end
  $$;

comment on function api.accept_organization_invitation(bytea, bigint) is
  'Accepts an invitation for the signed-in user whose verified address it was sent to: they become a member '
  'with its role. Accepting verifies nothing: the token is no proof of the mailbox (the app gets it back). AS404 '
  'unknown link, AS403 another address, AS4V3 (email_unverified) that address not verified yet, AS409 already '
  'accepted, revoked, expired or already a member, AS4F9 (organization_full) no free seat.';

grant execute on function api.accept_organization_invitation(bytea, bigint) to astapa_app;

create or replace function api.add_organization_domain(organization_id text, domain text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    d astapa.organization_domains;
    name text := pg_catalog.lower(pg_catalog.btrim(domain));
  begin
    if name is null or pg_catalog.length(name) > 253
       or name !~ '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$' then
      raise exception using errcode = 'AS400', message = 'domain must be a domain name such as example.co.id.';
    end if;
    insert into astapa.organization_domains (project_id, organization_id, domain, verification_token)
    values (o.project_id, o.id, name, astapa.random_id('astapa-domain-verification=', 30))
    on conflict on constraint organization_domains_pkey do nothing;
    select * into d from astapa.organization_domains x
    where x.project_id = o.project_id and x.organization_id = o.id and x.domain = name;
    perform astapa.audit(o.project_id, 'organization.domain_added', o.id, pg_catalog.jsonb_build_object('domain', name));
    return pg_catalog.jsonb_build_object('domain', d.domain, 'verified', d.verified_at is not null,
      'verified_at', d.verified_at, 'verification_token', d.verification_token);
  end
  $$;

comment on function api.add_organization_domain(text, text) is
  'Claims an email domain for an organization, unverified, with the token its DNS TXT record must hold '
  '(idempotent); audited. AS400 not a domain name.';

grant execute on function api.add_organization_domain(text, text) to astapa_app;

create or replace function api.verify_organization_domain(organization_id text, domain text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    d astapa.organization_domains;
    o astapa.organizations := astapa.lock_organization(organization_id);
  begin
    if exists (select from astapa.organization_domains x
               where x.project_id = (select astapa.current_project_id())
                     and x.domain = pg_catalog.lower(verify_organization_domain.domain)
                 and x.organization_id <> o.id and x.verified_at is not null) then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        '%s is already verified for another organization of this project.', pg_catalog.lower(domain));
    end if;
    begin
      update astapa.organization_domains x set verified_at = coalesce(x.verified_at, pg_catalog.now())
      where x.project_id = (select astapa.current_project_id()) and x.organization_id = o.id
        and x.domain = pg_catalog.lower(verify_organization_domain.domain)
      returning * into d;
    exception when unique_violation then
      -- Two organizations verified the same domain at once: the one that committed first keeps it.
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        '%s is already verified for another organization of this project.', pg_catalog.lower(domain));
    end;
    if d.domain is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format(
        'Organization %s has not claimed %s: add the domain first.', organization_id, pg_catalog.lower(domain));
    end if;
    perform astapa.audit(d.project_id, 'organization.domain_verified', d.organization_id,
      pg_catalog.jsonb_build_object('domain', d.domain));
    return pg_catalog.jsonb_build_object('domain', d.domain, 'verified', true, 'verified_at', d.verified_at,
      'verification_token', d.verification_token);
  end
  $$;

comment on function api.verify_organization_domain(text, text) is
  'Marks a claimed domain verified (the caller checked its DNS TXT record, or the project vouches for it); '
  'audited. AS409 when another organization of the project has it verified (also when both try at once), AS404 '
  'when not claimed.';

grant execute on function api.verify_organization_domain(text, text) to astapa_app;

create or replace function api.remove_organization_domain(organization_id text, domain text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
  begin
    delete from astapa.organization_domains x
    where x.project_id = (select astapa.current_project_id()) and x.organization_id = o.id
      and x.domain = pg_catalog.lower(remove_organization_domain.domain);
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format(
        'Organization %s has not claimed %s.', organization_id, pg_catalog.lower(domain));
    end if;
    perform astapa.audit(astapa.current_project_id(), 'organization.domain_removed', o.id,
      pg_catalog.jsonb_build_object('domain', pg_catalog.lower(domain)));
  end
  $$;

comment on function api.remove_organization_domain(text, text) is
  'Gives up a domain claim (members who joined by it stay); audited. AS404 when not claimed.';

grant execute on function api.remove_organization_domain(text, text) to astapa_app;

create or replace function astapa.domain_join_mode() returns text
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce((select case when p.settings ->> 'organization_domain_join' in ('suggest', 'automatic')
                                 then p.settings ->> 'organization_domain_join' end
                     from astapa.projects p where p.id = (select astapa.current_project_id())), 'off')
  $$;

comment on function astapa.domain_join_mode() is
  'The current project''s organization_domain_join setting: off (default), suggest (people at a verified domain '
  'may join its organization) or automatic (they are joined when they sign in with a verified address).';

grant execute on function astapa.domain_join_mode() to astapa_app;

drop policy if exists "a project reads its own organization departures" on astapa.organization_departures;
create policy "a project reads its own organization departures" on astapa.organization_departures
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own organization departures" on astapa.organization_departures;
create policy "a project records its own organization departures" on astapa.organization_departures
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own organization departures" on astapa.organization_departures;
create policy "a project updates its own organization departures" on astapa.organization_departures
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project forgets its own organization departures" on astapa.organization_departures;
create policy "a project forgets its own organization departures" on astapa.organization_departures
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function astapa.domain_organizations(user_id bigint) returns setof text
  language sql
  stable
  set search_path = ''
  as $$
    select d.organization_id from astapa.users u
    join astapa.organization_domains d on d.project_id = u.project_id and d.verified_at is not null
      and d.domain = astapa.email_domain(u.email)
    where u.project_id = (select astapa.current_project_id()) and u.id = domain_organizations.user_id
      and u.email_verified
      and astapa.domain_join_mode() <> 'off'
      and not exists (select from astapa.organization_memberships m where m.project_id = u.project_id
                        and m.organization_id = d.organization_id and m.user_id = u.id)
  $$;

comment on function astapa.domain_organizations(bigint) is
  'Organizations a user is not a member of whose verified domain is their verified address''s (none while the '
  'project''s organization_domain_join is off).';

grant execute on function astapa.domain_organizations(bigint) to astapa_app;

create or replace function api.join_organization_by_domain(organization_id text, user_id bigint) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
  begin
    if o.id not in (select astapa.domain_organizations(user_id)) then
      raise exception using errcode = 'AS403', message = pg_catalog.format(
        'Only people with a verified address at a verified domain of %s may join it without an invitation.', o.name);
    end if;
    return astapa.add_membership(o, user_id, 'member', 'domain');
  end
  $$;

comment on function api.join_organization_by_domain(text, bigint) is
  'A user joins, as member, an organization whose verified domain is their verified address''s (project setting '
  'suggest or automatic). AS403 otherwise, AS4F9 no free seat.';

grant execute on function api.join_organization_by_domain(text, bigint) to astapa_app;

create or replace function api.user_organizations(user_id bigint) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    joinable text;
  begin
    -- automatic: people are joined to their domain's organizations when the hosted login lists them.
    if astapa.domain_join_mode() = 'automatic' then
      -- Never back into one they left or were removed from (organization_departures): that is offered only.
      for joinable in select d from astapa.domain_organizations(user_id) d
                      where not exists (select from astapa.organization_departures x
                                        where x.project_id = (select astapa.current_project_id())
                                              and x.organization_id = d
                                          and x.user_id = user_organizations.user_id) loop
        begin
          perform astapa.add_membership(astapa.lock_organization(joinable), user_id, 'member', 'domain');
        exception when sqlstate 'AS4F9' then
          null; -- a full organization is offered, not joined
        end;
      end loop;
    end if;
    return pg_catalog.jsonb_build_object(
      'memberships', coalesce((
        select pg_catalog.jsonb_agg(astapa.membership_json(m) || pg_catalog.jsonb_build_object(
                 'organization_name', o.name, 'organization_slug', o.slug) order by o.name, o.id)
        from astapa.organization_memberships m
        join astapa.organizations o on o.project_id = m.project_id and o.id = m.organization_id
        where m.project_id = (select astapa.current_project_id()) and m.user_id = user_organizations.user_id), '[]'),
      'joinable', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', o.id, 'name', o.name, 'slug', o.slug)
                 order by o.name, o.id)
        from astapa.organizations o
        where o.project_id = (select astapa.current_project_id())
              and o.id in (select astapa.domain_organizations(user_id))), '[]'));
  end
  $$;

comment on function api.user_organizations(bigint) is
  'A user''s own organizations (memberships with role, permissions and the organization''s name) and those they '
  'may join by their verified domain; with organization_domain_join automatic, joins them first (a full '
  'organization, or one they left or were removed from, stays joinable). What the org picker and the account page list.';

grant execute on function api.user_organizations(bigint) to astapa_app;

create or replace function api.organization_claims(user_id bigint, organization_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'org_id', o.id, 'org_slug', o.slug, 'org_role', m.role,
      'org_permissions', pg_catalog.to_jsonb(astapa.organization_role_permissions(m.role)))
    from astapa.organization_memberships m
    join astapa.organizations o on o.project_id = m.project_id and o.id = m.organization_id
    where m.project_id = (select astapa.current_project_id()) and m.user_id = organization_claims.user_id
      and m.organization_id = organization_claims.organization_id
  $$;

comment on function api.organization_claims(bigint, text) is
  'The active organization''s claims for a token: {org_id, org_slug, org_role, org_permissions}, read fresh; '
  'null once the user is no member (removed, left, organization deleted), so a refresh drops them.';

grant execute on function api.organization_claims(bigint, text) to astapa_app;

create or replace function astapa.member_organization(user_id bigint, organization text) returns text
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    found_id text;
  begin
    if organization is null then
      return null;
    end if;
    select o.id into found_id from astapa.organizations o
    join astapa.organization_memberships m on m.project_id = o.project_id and m.organization_id = o.id
      and m.user_id = member_organization.user_id
    where o.project_id = (select astapa.current_project_id()) and (o.id = organization or o.slug = organization);
    if found_id is null then
      raise exception using errcode = 'AS403', message = pg_catalog.format(
        'You are not a member of the organization %s in this app.', organization);
    end if;
    return found_id;
  end
  $$;

comment on function astapa.member_organization(bigint, text) is
  'The id of the organization (named by id or slug) the user is a member of; null for none; AS403 when they are '
  'no member of such an organization of the current project.';

grant execute on function astapa.member_organization(bigint, text) to astapa_app;

create or replace function astapa.organization_plan_claims(organization_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce((
      select pg_catalog.jsonb_build_object(
        'org_plan', p.key,
        'org_feature_flags', coalesce(p.claims -> 'feature_flags', '[]'::jsonb))
      from astapa.organizations o
      join astapa.plans p on p.project_id = o.project_id and p.key = o.plan_key
      where o.project_id = (select astapa.current_project_id()) and o.id = organization_plan_claims.organization_id
        -- A team plan bought through Astapa lapses when its paid period ends — after the grace days when unpaid
        -- (the renewal pass then takes it away, api.organization_renewal_step), at once when canceled.
        and (o.plan_paid_through is null or o.plan_paid_through > pg_catalog.now()
             or (o.plan_canceled_at is null
                 and o.plan_paid_through + astapa.setting_days(
                   (select x.settings from astapa.projects as x where x.id = o.project_id), 'billing_grace_days', 3)
                   > pg_catalog.now()))),
      '{}'::jsonb)
  $$;

comment on function astapa.organization_plan_claims(text) is
  'What an organization''s team plan adds to custom_claims: {org_plan, org_feature_flags} (the plan''s flags, '
  'maybe []), or {} without a plan or once its paid period ended (and the grace days, billing_grace_days, '
  'unless canceled). Beside the person''s own plan and flags, '
  'never replacing them.';

grant execute on function astapa.organization_plan_claims(text) to astapa_app;

create or replace function astapa.organization_grant(user_id bigint, organization_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    -- Most grants have no active organization: they read nothing here (a refresh's join saved, issue 24).
    select case when organization_grant.organization_id is null then '{}'::jsonb
                else (select case when claims is null then '{}'::jsonb
                                  else pg_catalog.jsonb_build_object(
                                    'organization', claims, 'organization_custom_claims',
                                    astapa.organization_plan_claims(organization_grant.organization_id)) end
                      from (select api.organization_claims(organization_grant.user_id,
                                                           organization_grant.organization_id) as claims) as active)
           end
  $$;

comment on function astapa.organization_grant(bigint, text) is
  'What a grant adds for its active organization while the user is a member: {organization: {org_id, org_slug, '
  'org_role, org_permissions}, organization_custom_claims: its team plan''s {org_plan, org_feature_flags} or {}}; '
  'else {} (no active organization, removed, organization deleted).';

grant execute on function astapa.organization_grant(bigint, text) to astapa_app;
