-- A machine client the project marks dpop_bound_access_tokens (RFC 9449 §5.2, docs/tokens.md "DPoP") must send a
-- DPoP proof with every token request; its tokens are then always bound to a key it holds.
alter table astapa.machine_clients add column dpop_bound_access_tokens boolean not null default false;
comment on column astapa.machine_clients.dpop_bound_access_tokens is
  'RFC 9449 §5.2: every token request of this client must carry a DPoP proof (invalid_dpop_proof otherwise).';
grant select (dpop_bound_access_tokens), update (dpop_bound_access_tokens) on astapa.machine_clients to astapa_app;
