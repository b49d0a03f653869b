-- astapa.close_open_plan_change and astapa.settle_plan_changes serve an organization's plan change too
-- (db/api/plan_changes.sql): each takes the organization beside the user.
drop function if exists astapa.close_open_plan_change(text, bigint);
drop function if exists astapa.settle_plan_changes(text, bigint, text);
