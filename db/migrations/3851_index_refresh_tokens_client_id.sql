-- The dashboard's list of third-party clients shows when each last used the project (a refresh token issued or
-- rotated), per client: found by project and client id (api.project_third_party_clients).
create index refresh_tokens_project_id_client_id_idx on astapa.refresh_tokens (project_id, client_id);
