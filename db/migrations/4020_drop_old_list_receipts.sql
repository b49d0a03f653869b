-- api.list_receipts gains a user filter (user_id), so the Platform API and the dashboard list one user's.
drop function if exists api.list_receipts(text, integer, text);
