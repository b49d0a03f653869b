-- user.updated: apps keeping their own copy of a user hear when its address, phone number, their verification or
-- the disabled flag change — by the person (account page), the app (Platform API), an admin (dashboard, CLI),
-- an identity provider (SSO) or an import. The trigger astapa.emit_user_updated is in db/api/webhooks.sql.
-- Existing endpoints keep the types they chose; an app picks this one (all-events endpoints get it).
insert into astapa.event_types (type) values ('user.updated');
