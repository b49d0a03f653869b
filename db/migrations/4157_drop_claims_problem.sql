-- astapa.claims_problem checked a claims update's values before astapa.write_user_claims checked them again
-- (astapa.claims_problems), twice per imported row: astapa.claims_update_shape_problem keeps only its shape
-- checks (db/api/claims.sql).
drop function if exists astapa.claims_problem(jsonb);
