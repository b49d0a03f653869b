-- astapa.void_ways_back takes the refresh tokens' revocation reason (revoked_by_admin unless said otherwise):
-- astapa.erase_user closes every way back with it too and keeps recording user_disabled. A new argument is a new
-- signature; the old one would make the one- and two-argument calls ambiguous. "if exists": a fresh database gets
-- its functions from db/api only after every migration ran.
drop function if exists astapa.void_ways_back(bigint, boolean);
