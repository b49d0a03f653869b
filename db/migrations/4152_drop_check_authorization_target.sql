-- The authorization request's scope and resource check is part of api.authorization_request_client, which finds
-- the client in the same statement and answers the refusal instead of raising it (db/api/login.sql).
drop function if exists api.check_authorization_target(text, text);
