-- Users moved in from another system (issue 22, db/api/user_import.sql): an external_id the app keeps for
-- them, unique per project and environment so a re-run import updates instead of duplicating; and password
-- hashes in the formats other systems export, kept only until the person's first sign-in re-hashes them to
-- argon2id (api.upgrade_imported_password).
alter table astapa.users add column external_id text;
alter table astapa.users add constraint users_external_id_check
  check (pg_catalog.length(external_id) between 1 and 255 and external_id !~ '[[:cntrl:]]');
create unique index users_external_id_key on astapa.users (project_id, environment, external_id)
  where external_id is not null;
comment on column astapa.users.external_id is
  'The id another system gave this user (set by an import, kept for the app); unique per project and environment.';

-- bcrypt ($2a$/$2b$/$2y$), argon2i/argon2id, scrypt and PBKDF2 PHC strings, Django's pbkdf2_sha256, and
-- Firebase's modified scrypt with its parameters ($firebase-scrypt$…). lib/import/hash_formats.ts parses them.
alter table astapa.users drop constraint users_password_hash_check;
alter table astapa.users add constraint users_password_hash_check check (
  password_hash ~ '^\$argon2id\$'
  or password_hash ~ '^(\$2[aby]\$|\$argon2i\$|\$scrypt\$|\$pbkdf2-sha(256|512)\$|pbkdf2_sha256\$|\$firebase-scrypt\$)');
comment on column astapa.users.password_hash is
  'argon2id; null for users who only sign in with a provider. An imported user may hold another format '
  '(bcrypt, argon2i, scrypt, PBKDF2, Firebase scrypt) until their first sign-in replaces it with argon2id.';

grant select (external_id) on astapa.users to astapa_app;
