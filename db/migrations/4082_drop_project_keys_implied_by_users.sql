-- Refresh tokens, authorization codes and consents each belong to a user, by a foreign key on (project_id,
-- user_id) with user_id not null, and every user belongs to a project by its own key: the key from these
-- tables to astapa.projects checked nothing the user's key does not already check (projects are never
-- deleted). It did cost something on the hottest writes: each insert's check takes a KEY SHARE lock on the
-- project's one row, and concurrent sign-ins and refreshes of one project turned those locks into a new
-- multixact almost every time (about one per refresh under load, issue 24): shared lock bookkeeping in
-- pg_multixact that every later reader of the project row has to resolve and VACUUM has to freeze.
alter table astapa.refresh_tokens drop constraint refresh_tokens_project_id_fkey;
alter table astapa.authorization_codes drop constraint authorization_codes_project_id_fkey;
alter table astapa.consents drop constraint consents_project_id_fkey;
