-- user.metadata_updated: the app's other services hear when a user's metadata (astapa.user_metadata, the app's own
-- JSON about them) changes through the Platform API or the dashboard, with the whole object and what it was. The
-- event is emitted by api.patch_user_metadata (db/api/user_metadata.sql); an import states metadata silently, as
-- it states the rest of a user. Existing endpoints keep the types they chose; all-events endpoints get it.
insert into astapa.event_types (type) values ('user.metadata_updated');
