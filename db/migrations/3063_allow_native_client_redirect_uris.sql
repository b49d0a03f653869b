-- application_type (OIDC Dynamic Registration §2, RFC 8252; issue 26 item 2): a self-registered native app may
-- also register private-use URI scheme redirects in reverse-domain form (com.example.app:/callback, RFC 8252
-- §7.1) beside loopback and https ones. Web apps keep the rule every redirect URI follows
-- (astapa.are_valid_redirect_uris); lib/oauth/registration.ts narrows web apps to https and names the problem.
-- No subquery is allowed in a check, so the native rule matches the URIs joined by spaces (none contains one).
alter table astapa.dynamic_clients drop constraint dynamic_clients_redirect_uris_check;
alter table astapa.dynamic_clients add constraint dynamic_clients_redirect_uris_check check (
  cardinality(redirect_uris) between 1 and 10
  and (astapa.are_valid_redirect_uris(redirect_uris)
       or (coalesce(metadata ->> 'application_type', '') = 'native'
           and array_position(redirect_uris, null) is null
           and octet_length(array_to_string(redirect_uris, ' ')) <= 20100
           and array_to_string(redirect_uris, ' ') ~ (
             '^(https://[^/?@\s:#]+(:[0-9]{1,5})?([/?][^\s#]*)?'
             || '|http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?([/?][^\s#]*)?'
             || '|[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:/([^/\s#][^\s#]*)?)'
             || '( (https://[^/?@\s:#]+(:[0-9]{1,5})?([/?][^\s#]*)?'
             || '|http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?([/?][^\s#]*)?'
             || '|[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:/([^/\s#][^\s#]*)?))*$'))));
