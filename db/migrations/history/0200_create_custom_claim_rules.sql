-- Custom claims: keys a project puts into custom_claims beside plan, role and feature_flags, from a plan
-- (plans.claims) or per user (user_claims.extra). They sit at the top level of custom_claims, so their names
-- are checked here once for both: JWT and OpenID names are refused so nobody mistakes one for the other.

create function astapa.reserved_claim_names() returns text[]
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select array[
      -- RFC 7519 registered claims, RFC 9068 / OpenID Connect claims Astapa's tokens use or may use
      'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'scope', 'client_id', 'auth_time', 'nonce', 'azp',
      'acr', 'amr', 'sid', 'at_hash', 'c_hash', 'cnf', 'act', 'may_act', 'typ', 'email', 'email_verified',
      -- Astapa's own
      'project_id', 'custom_claims', 'extra', 'plan', 'role', 'feature_flags']
  $$;

comment on function astapa.reserved_claim_names() is
  'Names no custom claim may take (compared case-insensitively): JWT/OIDC claims and Astapa''s own keys.';

grant execute on function astapa.reserved_claim_names() to astapa_app;

create function astapa.custom_claim_name_problem(name text) returns text
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select case
      when pg_catalog.lower(name) = any (astapa.reserved_claim_names()) then
        pg_catalog.format('%s is a reserved claim name; pick another name for a custom claim.', name)
      when name !~ '^[A-Za-z_][A-Za-z0-9_]{0,63}$' then
        'Custom claim names are 1 to 64 letters, digits and _, not starting with a digit.'
    end
  $$;

comment on function astapa.custom_claim_name_problem(text) is
  'Why a name cannot be a custom claim, in words, or null when it can.';

grant execute on function astapa.custom_claim_name_problem(text) to astapa_app;

create function astapa.are_valid_custom_claims(claims jsonb) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select pg_catalog.jsonb_typeof(claims) = 'object'
      and pg_catalog.octet_length(claims::text) <= 4096
      and (select count(*) <= 50 and coalesce(bool_and(astapa.custom_claim_name_problem(k) is null), true)
           from pg_catalog.jsonb_object_keys(claims) as k)
  $$;

comment on function astapa.are_valid_custom_claims(jsonb) is
  'An object of at most 50 custom claims with allowed names, at most 4 KiB as JSON.';

grant execute on function astapa.are_valid_custom_claims(jsonb) to astapa_app;

create function astapa.are_valid_plan_claims(claims jsonb) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select astapa.are_valid_custom_claims(claims - 'feature_flags')
      and case when not claims ? 'feature_flags' then true
               when pg_catalog.jsonb_typeof(claims -> 'feature_flags') <> 'array' then false
               else not exists (select from pg_catalog.jsonb_array_elements(claims -> 'feature_flags') as f
                                where pg_catalog.jsonb_typeof(f) <> 'string')
                    and astapa.are_valid_feature_flags(
                      array(select pg_catalog.jsonb_array_elements_text(claims -> 'feature_flags'))) end
  $$;

comment on function astapa.are_valid_plan_claims(jsonb) is
  'What a plan may grant: valid feature_flags and custom claims (astapa.are_valid_custom_claims).';

grant execute on function astapa.are_valid_plan_claims(jsonb) to astapa_app;

-- Field → problems, for the claims a request sends. `for_plan` checks what a plan may grant (feature_flags and
-- custom keys); otherwise a user's patch (plan, role, feature_flags, custom keys; null clears a key).
create function astapa.claims_problems(claims jsonb, for_plan boolean) returns jsonb
  language plpgsql
  immutable
  set search_path = ''
  as $$
  declare
    problems jsonb := '{}';
    key text;
    value jsonb;
    custom jsonb := '{}';
  begin
    if pg_catalog.jsonb_typeof(claims) is distinct from 'object' then
      return '{"claims": ["Claims must be a JSON object."]}';
    end if;
    for key, value in select * from pg_catalog.jsonb_each(claims) loop
      if key = 'plan' and for_plan then
        problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
          'A plan cannot grant a plan.'));
      elsif key = 'plan' then
        if pg_catalog.jsonb_typeof(value) <> 'null'
           and (pg_catalog.jsonb_typeof(value) <> 'string' or value #>> '{}' !~ '^[a-z0-9_-]{1,64}$') then
          problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
            'plan must be null or the key of one of the project''s plans (a-z, 0-9, _ and -).'));
        end if;
      elsif key = 'role' and for_plan then
        problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
          'A plan cannot grant a role; set roles per user.'));
      elsif key = 'role' then
        if pg_catalog.jsonb_typeof(value) <> 'null'
           and (pg_catalog.jsonb_typeof(value) <> 'string' or value #>> '{}' !~ '^[^[:cntrl:]]{1,64}$') then
          problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
            'role must be null or a string of 1 to 64 characters.'));
        end if;
      elsif key = 'feature_flags' then
        if pg_catalog.jsonb_typeof(value) <> 'array'
           or exists (select from pg_catalog.jsonb_array_elements(value) as f where pg_catalog.jsonb_typeof(f) <> 'string')
           or not astapa.are_valid_feature_flags(array(select pg_catalog.jsonb_array_elements_text(value))) then
          problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
            'feature_flags must be an array of at most 50 distinct strings of 1 to 64 characters.'));
        end if;
      elsif astapa.custom_claim_name_problem(key) is not null then
        problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
          astapa.custom_claim_name_problem(key)));
      else
        custom := custom || pg_catalog.jsonb_build_object(key, value);
      end if;
    end loop;
    if (select count(*) from pg_catalog.jsonb_object_keys(custom)) > 50
       or pg_catalog.octet_length(custom::text) > 4096 then
      problems := problems || '{"claims": ["Custom claims are limited to 50 keys and 4 KiB of JSON."]}';
    end if;
    return nullif(problems, '{}');
  end
  $$;

comment on function astapa.claims_problems(jsonb, boolean) is
  'Field → list of problems for claims sent by a caller (a plan''s grants when for_plan, else a user patch), '
  'or null when they are valid. Callers raise AS400 with the result as DETAIL, which the API returns as fields.';

grant execute on function astapa.claims_problems(jsonb, boolean) to astapa_app;

create function astapa.raise_problems(problems jsonb) returns void
  language plpgsql
  immutable
  set search_path = ''
  as $$
  begin
    if problems is not null then
      raise exception using errcode = 'AS400',
        message = (select v #>> '{0}' from pg_catalog.jsonb_each(problems) as e(k, v) order by k limit 1),
        detail = problems::text;
    end if;
  end
  $$;

comment on function astapa.raise_problems(jsonb) is
  'Raises AS400 when given field problems: the message is one problem, DETAIL the whole {field: [problem]} '
  'object (lib/http/errors.ts turns it into the error''s fields).';

grant execute on function astapa.raise_problems(jsonb) to astapa_app;
