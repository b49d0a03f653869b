/** Typed wrapper around api.list_signing_keys (db/api/signing_keys.sql): states and dates, never key material. */
import { z } from "zod";
import type { Tx } from "./client.ts";

export const SigningKeyRowSchema = z.object({
  kid: z.string(),
  state: z.enum(["next", "active", "retired"]),
  created_at: z.date(),
  activated_at: z.date().nullable(),
  retired_at: z.date().nullable(),
});
export type SigningKeyRow = z.infer<typeof SigningKeyRowSchema>;

export async function listSigningKeys(tx: Tx): Promise<SigningKeyRow[]> {
  const rows = await tx`select * from api.list_signing_keys()`;
  return z.array(SigningKeyRowSchema).parse(rows.map((row) => ({ ...row })));
}
