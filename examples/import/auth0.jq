# Auth0 bulk user export (NDJSON) + the password hash export from Auth0 support → Astapa's import rows.
# jq -c --slurpfile hashes auth0-password-hashes.ndjson -f auth0.jq auth0-users.ndjson > auth0.ndjson
($hashes | map({key: .email, value: .passwordHash}) | from_entries) as $h
| .user_id as $id
| {email, email_verified, external_id: $id, name, given_name, family_name, nickname, preferred_username: .username,
   picture, locale, created_at}
  + (if $h[.email] then {password_hash: $h[.email]} else {} end)
  + (if ($id | startswith("google-oauth2|")) then
       {identities: [{provider: "google", subject: ($id | sub("^google-oauth2\\|"; "")), email}]}
     elif ($id | startswith("github|")) then
       {identities: [{provider: "github", subject: ($id | sub("^github\\|"; "")), email}]}
     else {} end)
| with_entries(select(.value != null))
