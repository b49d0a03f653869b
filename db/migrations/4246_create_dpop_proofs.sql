-- DPoP (RFC 9449, docs/tokens.md "DPoP"): the proofs the token endpoint accepted, remembered by the SHA-256 of
-- their key's thumbprint and jti until their iat leaves the acceptance window, so a captured proof cannot be
-- sent again (RFC 9449 §11.1); the key a public client's refresh tokens are bound to (§5.0), and the key an
-- authorization request's dpop_jkt binds its code to (§10). No foreign key
-- to projects: every proof would key-share-lock its project's row, and a row lives a minute or two.
create table astapa.dpop_proofs (
  project_id text not null,
  proof_hash bytea not null,
  expires_at timestamptz not null,
  constraint dpop_proofs_pkey primary key (project_id, proof_hash),
  constraint dpop_proofs_proof_hash_check check (length(proof_hash) = 32)
);
create index dpop_proofs_expires_at_idx on astapa.dpop_proofs (expires_at);
alter table astapa.dpop_proofs enable row level security;
alter table astapa.dpop_proofs force row level security;
comment on table astapa.dpop_proofs is
  'DPoP proofs (RFC 9449) a project''s token requests used: SHA-256 of "<jwk thumbprint>.<jti>", kept until '
  'expires_at (the proof''s iat plus the acceptance window), after which the proof is refused for its age anyway; '
  'the grant sweeper deletes them then.';
grant select, insert on astapa.dpop_proofs to astapa_app;

alter table astapa.refresh_tokens add column dpop_jkt text;
alter table astapa.refresh_tokens add constraint refresh_tokens_dpop_jkt_check check (length(dpop_jkt) = 43);
comment on column astapa.refresh_tokens.dpop_jkt is
  'The RFC 7638 thumbprint of the DPoP key a public client''s sign-in is bound to (RFC 9449 §5.0; kept by every '
  'rotation): the token is refreshed only with a proof made with that key. Null: not bound.';
grant update (dpop_jkt) on astapa.refresh_tokens to astapa_app;

alter table astapa.authorization_codes add column dpop_jkt text;
alter table astapa.authorization_codes add constraint authorization_codes_dpop_jkt_check check (length(dpop_jkt) = 43);
comment on column astapa.authorization_codes.dpop_jkt is
  'The authorization request''s dpop_jkt (RFC 9449 §10): the code is redeemed only with a DPoP proof of that key. '
  'Null: not bound.';
grant update (dpop_jkt) on astapa.authorization_codes to astapa_app;
