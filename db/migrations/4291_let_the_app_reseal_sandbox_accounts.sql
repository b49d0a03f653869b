-- `astapa master-key reseal` rewrites sealed values under the current master key (db/api/sealed_values.sql). The
-- simulator accounts were written once and never changed, so the app role could not update them; it may now
-- replace their two sealed columns (the policy "a project reseals its own sandbox account", db/api/payments.sql).
grant update (secret_key_sealed, callback_token_sealed) on astapa.sandbox_accounts to astapa_app;
