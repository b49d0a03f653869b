-- From here on, functions, trigger functions, triggers and policies live in db/api/*.sql, one current file
-- per area, re-applied when any of them changes; versioned migrations hold tables, indexes, data and drops.
-- db/migrations/history/ keeps the migrations that landed before (docs/database.md). A build older than this
-- layout meets this migration as one it lacks and refuses to start ("run a newer Astapa").
comment on schema api is
  'Functions the application calls, defined in db/api/*.sql. EXECUTE is granted per function, never by default.';
