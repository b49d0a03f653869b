-- A user's metadata (docs/plans.md "Users"): the app's own JSON object about each user, for its backend, changed
-- by JSON merge patch (RFC 7396) through the Platform API and the dashboard; never in a token.
-- The current definition of each function and policy of this area: edit it here, in place (docs/database.md).

drop policy if exists "a project reads its own users' metadata" on astapa.user_metadata;
create policy "a project reads its own users' metadata" on astapa.user_metadata
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project keeps metadata on its own users" on astapa.user_metadata;
create policy "a project keeps metadata on its own users" on astapa.user_metadata
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own users' metadata" on astapa.user_metadata;
create policy "a project changes its own users' metadata" on astapa.user_metadata
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project erases its own users' metadata" on astapa.user_metadata;
create policy "a project erases its own users' metadata" on astapa.user_metadata
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function astapa.json_merge_patch(target jsonb, patch jsonb) returns jsonb
  language plpgsql
  immutable
  parallel safe
  set search_path = ''
  as $$
  declare
    merged jsonb;
    k text;
    v jsonb;
  begin
    -- RFC 7396 §2: a patch that is not an object replaces the target whole; in an object, null removes a member
    -- and an object merges into the member's object (or into nothing, when the member is not one).
    if patch is null or pg_catalog.jsonb_typeof(patch) <> 'object' then
      return patch;
    end if;
    merged := case when pg_catalog.jsonb_typeof(target) = 'object' then target else '{}'::jsonb end;
    for k, v in select e.key, e.value from pg_catalog.jsonb_each(patch) as e loop
      if pg_catalog.jsonb_typeof(v) = 'null' then
        merged := merged operator(pg_catalog.-) k;
      else
        merged := pg_catalog.jsonb_set(merged, array[k], astapa.json_merge_patch(merged -> k, v));
      end if;
    end loop;
    return merged;
  end
  $$;

comment on function astapa.json_merge_patch(jsonb, jsonb) is
  'JSON Merge Patch (RFC 7396): patch applied to target — members set, null members removed, objects merged '
  'member by member, anything else replaced.';

grant execute on function astapa.json_merge_patch(jsonb, jsonb) to astapa_app;

create or replace function api.user_metadata(project_id text, user_id bigint) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if project_id is distinct from astapa.current_project_id() or astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return coalesce((select m.metadata from astapa.user_metadata m
                     where m.project_id = user_metadata.project_id and m.user_id = user_metadata.user_id), '{}');
  end
  $$;

comment on function api.user_metadata(text, bigint) is
  'The app''s metadata about a user of the current environment ({} when none). AS404 unknown user.';

grant execute on function api.user_metadata(text, bigint) to astapa_app;

create or replace function api.patch_user_metadata(project_id text, user_id bigint, patch jsonb,
  replace_whole boolean default false) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    before jsonb;
    after jsonb;
  begin
    if project_id is distinct from astapa.current_project_id() or astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    if patch is null or pg_catalog.jsonb_typeof(patch) <> 'object' then
      raise exception using errcode = 'AS400', message = 'metadata is changed by a JSON object (a merge patch).';
    end if;
    -- Locked while patched: two patches at once both land, one after the other.
    insert into astapa.user_metadata as m (project_id, user_id) values (project_id, user_id)
    on conflict on constraint user_metadata_pkey do nothing;
    select m.metadata into before from astapa.user_metadata m
    where m.project_id = patch_user_metadata.project_id and m.user_id = patch_user_metadata.user_id for update;
    after := case when replace_whole then patch else astapa.json_merge_patch(before, patch) end;
    if pg_catalog.octet_length(after::text) > 8192 then
      raise exception using errcode = 'AS400', message = 'metadata may hold at most 8 KiB of JSON.';
    end if;
    if after is distinct from before then
      update astapa.user_metadata m set metadata = after, updated_at = pg_catalog.now()
      where m.project_id = patch_user_metadata.project_id and m.user_id = patch_user_metadata.user_id;
      -- The app's other services hear it as user.metadata_updated (the whole object, and what it was).
      perform astapa.emit_event(project_id, 'user.metadata_updated', pg_catalog.jsonb_build_object(
        'user_id', user_id::text, 'metadata', after, 'previous', before));
      -- The keys changed, never their values: the audit log is read more widely than the metadata.
      perform astapa.audit(project_id, 'user.metadata_updated', 'user:' || user_id,
        pg_catalog.jsonb_build_object('keys', (select coalesce(pg_catalog.jsonb_agg(k order by k), '[]')
          from (select pg_catalog.jsonb_object_keys(patch) union
                select pg_catalog.jsonb_object_keys(before) where replace_whole) as changed(k))));
    end if;
    return after;
  end
  $$;

comment on function api.patch_user_metadata(text, bigint, jsonb, boolean) is
  'Applies a JSON merge patch (RFC 7396, astapa.json_merge_patch) to the app''s metadata about a user of the '
  'current environment — or with replace_whole, puts the object in its place — and returns the result; when '
  'anything changed, emits user.metadata_updated {user_id, metadata, previous} and audits user.metadata_updated '
  'with the top-level keys touched (not their values). AS400 a patch '
  'that is not an object, or a result over 8 KiB; AS404 unknown user.';

grant execute on function api.patch_user_metadata(text, bigint, jsonb, boolean) to astapa_app;
