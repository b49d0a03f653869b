-- The current definition of each function and policy of this area: edit it here, in place.
-- Branding per project (docs/branding.md): settings.branding (validated by astapa.branding_problem, changed
-- through api.update_project_settings) and the logo in astapa.project_logos.

create or replace function astapa.contrast_with_white(color text) returns numeric
  language plpgsql
  immutable
  set search_path = ''
  as $$
  declare
    channel numeric;
    luminance numeric := 0;
    weights numeric[] := array[0.2126, 0.7152, 0.0722];
  begin
    if color is null or color !~ '^#[0-9a-fA-F]{6}$' then
      return null;
    end if;
    -- WCAG 2.2 relative luminance of sRGB, then (L1 + 0.05) / (L2 + 0.05) with white (L = 1) as the lighter.
    for i in 1..3 loop
      channel := ('x' || pg_catalog.substr(color, 2 * i, 2))::bit(8)::integer / 255.0;
      channel := case when channel <= 0.04045 then channel / 12.92
                 else pg_catalog.power((channel + 0.055) / 1.055, 2.4) end;
      luminance := luminance + weights[i] * channel;
    end loop;
    return pg_catalog.round(1.05 / (luminance + 0.05), 2);
  end
  $$;

comment on function astapa.contrast_with_white(text) is
  'The WCAG 2.2 contrast ratio of white text on a #rrggbb colour (1 to 21, rounded to 2 places), or null for '
  'anything that is not #rrggbb.';

grant execute on function astapa.contrast_with_white(text) to astapa_app;

create or replace function astapa.branding_problem(value jsonb) returns text
  language plpgsql
  immutable
  set search_path = ''
  as $$
  declare
    field text;
    item jsonb;
    text_value text;
    contrast numeric;
  begin
    if pg_catalog.jsonb_typeof(value) <> 'object' then
      return 'branding must be an object: display_name, primary_color, theme, terms_url, privacy_url, '
        'support_email.';
    end if;
    for field, item in select e.key, e.value from pg_catalog.jsonb_each(value) as e loop
      continue when item = 'null'::jsonb; -- null removes the key: the default applies again
      if field = 'logo' then
        return 'branding.logo is set by uploading an image, not as a setting.';
      end if;
      if field not in ('display_name', 'primary_color', 'theme', 'terms_url', 'privacy_url', 'support_email') then
        return pg_catalog.format('branding.%s is not a branding setting.', field);
      end if;
      if pg_catalog.jsonb_typeof(item) <> 'string' then
        return pg_catalog.format('branding.%s must be a string.', field);
      end if;
      text_value := item #>> '{}';
      case field
      when 'display_name' then
        if pg_catalog.btrim(text_value) = '' or text_value ~ '[[:cntrl:]]' or pg_catalog.length(text_value) > 80 then
          return 'branding.display_name must be one line of 1 to 80 characters.';
        end if;
      when 'primary_color' then
        contrast := astapa.contrast_with_white(text_value);
        if contrast is null then
          return 'branding.primary_color must be a colour written #rrggbb, e.g. #1d4ed8.';
        end if;
        if contrast < 4.5 then
          return pg_catalog.format('branding.primary_color %s is too light: white text on it has a contrast of '
            '%s:1, and WCAG AA needs at least 4.5:1. Choose a darker colour.', text_value, contrast);
        end if;
      when 'theme' then
        if text_value not in ('light', 'dark', 'auto') then
          return 'branding.theme must be light, dark or auto (the visitor''s system setting).';
        end if;
      when 'terms_url', 'privacy_url' then
        if pg_catalog.length(text_value) > 500
           or text_value !~* '^https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?([/?#][^[:space:][:cntrl:]<>"]*)?$' then
          return pg_catalog.format('branding.%s must be an http(s) address of at most 500 characters, e.g. '
            'https://example.com/%s.', field, case field when 'terms_url' then 'terms' else 'privacy' end);
        end if;
      when 'support_email' then
        if pg_catalog.length(text_value) > 254
           or text_value !~* '^[^[:space:][:cntrl:]@<>",;:()\[\]\\]+@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$' then
          return 'branding.support_email must be one email address, e.g. support@example.com.';
        end if;
      end case;
    end loop;
    return null;
  end
  $$;

comment on function astapa.branding_problem(jsonb) is
  'A readable reason settings.branding is refused, or null: display_name (1–80 characters, one line), '
  'primary_color (#rrggbb on which white text passes WCAG AA, 4.5:1), theme (light, dark, auto), terms_url and '
  'privacy_url (http or https), support_email. The logo is not a setting (api.set_project_logo).';

grant execute on function astapa.branding_problem(jsonb) to astapa_app;

drop policy if exists "a project reads its own logo" on astapa.project_logos;
create policy "a project reads its own logo" on astapa.project_logos
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project stores its own logo" on astapa.project_logos;
create policy "a project stores its own logo" on astapa.project_logos
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project replaces its own logo" on astapa.project_logos;
create policy "a project replaces its own logo" on astapa.project_logos
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own logo" on astapa.project_logos;
create policy "a project removes its own logo" on astapa.project_logos
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function api.set_project_logo(project_id text, content_type text, image bytea, width integer,
  height integer)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    digest bytea := pg_catalog.sha256(image);
    logo jsonb;
  begin
    perform astapa.require_project(project_id);
    -- The server decoded the image already; these are the limits it checked, kept by the table too.
    if content_type is null or content_type not in ('image/png', 'image/jpeg', 'image/webp') then
      raise exception using errcode = 'AS400', message = 'The logo must be a PNG, JPEG or WebP image.';
    end if;
    if image is null or pg_catalog.octet_length(image) not between 1 and 262144 then
      raise exception using errcode = 'AS400', message = 'The logo must be at most 256 KB.';
    end if;
    if width is null or height is null or width not between 1 and 2048 or height not between 1 and 2048 then
      raise exception using errcode = 'AS400', message = 'The logo must be at most 2048 × 2048 pixels.';
    end if;
    insert into astapa.project_logos as l (project_id, sha256, content_type, image, width, height)
    values (set_project_logo.project_id, digest, set_project_logo.content_type, set_project_logo.image,
      set_project_logo.width, set_project_logo.height)
    on conflict on constraint project_logos_pkey do update
      set sha256 = excluded.sha256, content_type = excluded.content_type, image = excluded.image,
          width = excluded.width, height = excluded.height, created_at = pg_catalog.now();
    logo := pg_catalog.jsonb_build_object('sha256', pg_catalog.encode(digest, 'hex'), 'type', content_type,
      'width', width, 'height', height);
    update astapa.projects as p
    set settings = pg_catalog.jsonb_set(p.settings, '{branding}',
          coalesce(p.settings -> 'branding', '{}') || pg_catalog.jsonb_build_object('logo', logo)),
        updated_at = pg_catalog.now()
    where p.id = set_project_logo.project_id;
    perform astapa.audit(project_id, 'project.branding', project_id, pg_catalog.jsonb_build_object('logo', logo));
    return (select p.settings -> 'branding' from astapa.projects as p where p.id = set_project_logo.project_id);
  end
  $$;

comment on function api.set_project_logo(text, text, bytea, integer, integer) is
  'Stores the project''s logo (PNG, JPEG or WebP, at most 256 KiB and 2048×2048 px; the server has decoded it) '
  'and names its SHA-256 in settings.branding.logo, replacing any earlier logo. Audited as project.branding. '
  'Returns settings.branding. AS400 with the reason; AS404 unknown project.';

grant execute on function api.set_project_logo(text, text, bytea, integer, integer) to astapa_app;

create or replace function api.remove_project_logo(project_id text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    perform astapa.require_project(project_id);
    delete from astapa.project_logos as l where l.project_id = remove_project_logo.project_id;
    -- Only when there is a logo: an UPDATE statement, even of no row, wakes the client caches' triggers.
    if found or exists (select from astapa.projects as p
                        where p.id = remove_project_logo.project_id and p.settings -> 'branding' ? 'logo') then
      update astapa.projects as p
      set settings = p.settings #- '{branding,logo}', updated_at = pg_catalog.now()
      where p.id = remove_project_logo.project_id;
      perform astapa.audit(project_id, 'project.branding', project_id, '{"logo": null}');
    end if;
    return coalesce((select p.settings -> 'branding' from astapa.projects as p
      where p.id = remove_project_logo.project_id), '{}');
  end
  $$;

comment on function api.remove_project_logo(text) is
  'Removes the project''s logo (idempotent; audited as project.branding when there was one). Returns '
  'settings.branding.';

grant execute on function api.remove_project_logo(text) to astapa_app;

create or replace function api.project_logo(project_id text, sha256 bytea)
  returns table (content_type text, image bytea)
  language sql
  stable
  set search_path = ''
  as $$
    select l.content_type, l.image from astapa.project_logos as l
    where l.project_id = project_logo.project_id and l.sha256 = project_logo.sha256
  $$;

comment on function api.project_logo(text, bytea) is
  'The project''s logo when its SHA-256 is the one asked for (an old or foreign hash finds nothing).';

grant execute on function api.project_logo(text, bytea) to astapa_app;

create or replace function api.project_branding(project_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('name', p.name, 'branding', coalesce(p.settings -> 'branding', '{}'))
    from astapa.projects as p
    where p.id = project_branding.project_id
  $$;

comment on function api.project_branding(text) is
  'The project''s name and settings.branding (for its stylesheet and its mail), or null when not visible.';

grant execute on function api.project_branding(text) to astapa_app;
