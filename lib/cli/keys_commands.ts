/** `astapa keys list|rotate`: the operator's view of the token signing keys. */
import type { Sql } from "@/db/client.ts";
import { asApp } from "@/db/client.ts";
import { loadConfig } from "@/config.ts";
import { loadMasterKeys } from "../tokens/master_key.ts";
import { KeyStore } from "../tokens/signing_keys.ts";
import { allowFlags, type ParsedArgs, UsageError } from "./args.ts";
import type { Output } from "./output.ts";

export const KEYS_USAGE = `  keys list                  signing keys: next, active, retired (no key material)
  keys rotate                next key starts signing; a new next key is published`;

type KeyRow = {
  kid: string;
  state: string;
  created_at: Date;
  activated_at: Date | null;
  retired_at: Date | null;
};

export async function keysCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const [, action] = args.positionals;
  allowFlags(args, []);
  if (action === "list") {
    const keys = await listKeys(sql);
    out.result(
      keys,
      keys.map((k) => `${k.state.padEnd(8)} ${k.kid}  created ${k.created_at.toISOString()}`).join("\n") ||
        "No keys yet: the server installs them at its first start.",
    );
    return 0;
  }
  if (action === "rotate") {
    const store = new KeyStore(sql, (await loadMasterKeys(loadConfig())).sealing);
    await store.ensureKeys();
    const kid = await store.rotate();
    out.result(
      { active: kid, keys: await listKeys(sql) },
      `Now signing with ${kid}. The previous key stays published for a day, so tokens it signed keep verifying;\n` +
        `running servers pick up the change within a minute.`,
    );
    return 0;
  }
  throw new UsageError(`Unknown keys command "${action ?? ""}"`);
}

async function listKeys(sql: Sql): Promise<KeyRow[]> {
  const rows = await asApp(sql, null, (tx) => tx<KeyRow[]>`select * from api.list_signing_keys()`);
  return rows.map((row) => ({ ...row }));
}
