-- A claim withdraws the open invitations the claimed account sent (astapa.remove_claimed_memberships): found by
-- project and inviter. Only open invitations with an inviter are ever looked for, so the index holds only those.
create index organization_invitations_open_invited_by_idx on astapa.organization_invitations (project_id, invited_by)
  where invited_by is not null and accepted_at is null and revoked_at is null;
