-- The domain of an email address, as the mail system delivers to it (docs/enterprise-sso.md, "Which addresses are
-- at a domain"). Every rule that reads an address's domain (enforced SSO, finding the IdP by address, the domains
-- an IdP or a SCIM directory speaks for, joining organizations by domain, sign-up's allowed and blocked domains)
-- reads it here, so that an address cannot be spelled past one of them: any case, a trailing dot, full-width
-- letters and dots, invisible characters, or the Unicode spelling of an internationalised (xn--) domain all come
-- out as the one ASCII name that domains are stored as. Postgres has no IDNA library; the steps are UTS #46's
-- mapping as far as addresses need it, and tests/sql/email_domains_test.ts holds them to the WHATWG URL parser's
-- domainToASCII. The case is the database's character type's (Astapa's own databases are C.UTF-8).

create or replace function astapa.punycode_digit(d integer) returns text
  language sql
  immutable
  strict
  parallel safe
  set search_path = ''
  as $$
    select pg_catalog.chr(case when d < 26 then 97 + d else 22 + d end)
  $$;

comment on function astapa.punycode_digit(integer) is 'One Punycode digit: 0–25 are a–z, 26–35 are 0–9.';

grant execute on function astapa.punycode_digit(integer) to astapa_app;

create or replace function astapa.punycode(label text) returns text
  language plpgsql
  immutable
  strict
  parallel safe
  set search_path = ''
  as $$
  declare
    -- RFC 3492's parameters for IDNA (section 5).
    base constant integer := 36;
    tmin constant integer := 1;
    tmax constant integer := 26;
    points integer[] := array(select pg_catalog.ascii(c.ch)
                              from pg_catalog.regexp_split_to_table(label, '') with ordinality c(ch, i) order by c.i);
    output text := pg_catalog.regexp_replace(label, '[^\x01-\x7f]', '', 'g'); -- the ASCII letters, in order
    basic constant integer := pg_catalog.length(output);
    handled integer := basic;
    n integer := 128;
    bias integer := 72;
    delta bigint := 0;
    m integer;
    q bigint;
    t integer;
    k integer;
    point integer;
  begin
    if basic > 0 then
      output := output || '-';
    end if;
    while handled < pg_catalog.cardinality(points) loop
      select min(p) into m from pg_catalog.unnest(points) p where p >= n;
      delta := delta + (m - n)::bigint * (handled + 1);
      n := m;
      foreach point in array points loop
        if point < n then
          delta := delta + 1;
        elsif point = n then
          -- The delta as a variable-length base-36 integer (section 6.3), then the bias adapted (section 6.1).
          q := delta;
          k := base;
          loop
            t := case when k <= bias then tmin when k >= bias + tmax then tmax else k - bias end;
            exit when q < t;
            output := output || astapa.punycode_digit((t + (q - t) % (base - t))::integer);
            q := (q - t) / (base - t);
            k := k + base;
          end loop;
          output := output || astapa.punycode_digit(q::integer);
          delta := case when handled = basic then delta / 700 else delta / 2 end;
          delta := delta + delta / (handled + 1);
          k := 0;
          while delta > ((base - tmin) * tmax) / 2 loop
            delta := delta / (base - tmin);
            k := k + base;
          end loop;
          bias := k + ((base - tmin + 1) * delta) / (delta + 38);
          delta := 0;
          handled := handled + 1;
        end if;
      end loop;
      delta := delta + 1;
      n := n + 1;
    end loop;
    return output;
  end
  $$;

comment on function astapa.punycode(text) is
  'RFC 3492''s Punycode of one domain label (without the xn-- prefix): ''bücher'' is ''bcher-kva''.';

grant execute on function astapa.punycode(text) to astapa_app;

create or replace function astapa.email_domain(email text) returns text
  language plpgsql
  immutable
  parallel safe
  set search_path = ''
  as $$
  declare
    domain text;
  begin
    if email is null or pg_catalog.strpos(email, '@') = 0 then
      return null;
    end if;
    -- After the last @ (a quoted local part may hold one). NFKC makes full-width and other compatibility
    -- letters and dots plain; the ideographic full stops are dots to IDNA too; the invisible characters IDNA
    -- ignores (soft hyphen, zero-width space, word joiner, variation selectors, byte order mark) are dropped;
    -- lower case by the database's character type, as every address comparison here (Astapa's own databases are
    -- C.UTF-8, which folds Unicode letters; a plain C one folds only ASCII).
    domain := pg_catalog.normalize(pg_catalog.split_part(pg_catalog.btrim(email), '@', -1), 'NFKC');
    domain := pg_catalog.translate(domain, U&'\3002\FF61', '..');
    domain := pg_catalog.regexp_replace(domain, U&'[\00AD\034F\180B-\180F\200B\2060\FE00-\FE0F\FEFF]', '', 'g');
    domain := pg_catalog.rtrim(pg_catalog.lower(domain), '.');
    if domain !~ '[^\x01-\x7f]' then
      return domain;
    end if;
    -- A Unicode label becomes its xn-- name (RFC 3492), the spelling domains are verified and listed in.
    return (
      select pg_catalog.string_agg(
               case when label ~ '[^\x01-\x7f]' then 'xn--' || astapa.punycode(label)
                    else label end, '.' order by position)
      from pg_catalog.regexp_split_to_table(domain, '\.') with ordinality as labels(label, position));
  end
  $$;

comment on function astapa.email_domain(text) is
  'The domain of an address as mail is delivered to it, in the ASCII spelling domains are stored in: after the '
  'last @, compatibility forms and case folded, invisible characters dropped, a trailing dot dropped, Unicode '
  'labels as xn-- (''Dewi@Bücher.Example.'' is ''xn--bcher-kva.example''); null without an @.';

grant execute on function astapa.email_domain(text) to astapa_app;
