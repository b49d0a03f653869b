/** Typed wrappers around the sealed values `astapa master-key reseal` finds and replaces (db/api/sealed_values.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";

const SealedValue = z.object({ id: z.string(), detail: z.string().nullable(), sealed: z.string() });
export type SealedValue = z.infer<typeof SealedValue>;

/** Every project's id, deleted ones too; only outside any project. */
export async function projectsToReseal(tx: Tx): Promise<string[]> {
  const [row] = await tx`select api.projects_to_reseal() as ids`;
  return z.array(z.string()).parse(row.ids);
}

/** Up to `max` sealed values of `kind` after the id `after` (null: from the first), in id order. */
export async function sealedValues(
  tx: Tx,
  kind: string,
  after: string | null,
  max: number,
): Promise<SealedValue[]> {
  const rows = await tx`select id, detail, sealed from api.sealed_values(${kind}, ${after}, ${max})`;
  return rows.map((row) => SealedValue.parse(row));
}

/** Replaces each value still equal to its `before`; returns the ids replaced. */
export async function replaceSealedValues(
  tx: Tx,
  kind: string,
  changes: { id: string; before: string; after: string }[],
): Promise<string[]> {
  const [row] = await tx`select api.replace_sealed_values(${kind}, ${changes.map((c) => c.id)}::text[],
    ${changes.map((c) => c.before)}::text[], ${changes.map((c) => c.after)}::text[]) as replaced`;
  return z.array(z.string()).parse(row.replaced);
}
