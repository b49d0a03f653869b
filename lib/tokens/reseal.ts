/**
 * `astapa master-key reseal`: seals again, under the current master key, every value that only an earlier one
 * (ASTAPA_MASTER_KEY_PREVIOUS) opens, so that the earlier key can be dropped. Kind by kind (sealed_kinds.ts), a
 * project at a time (the deployment's signing keys once), a batch per transaction: the batch is read, each value
 * opened in this process — a value the current key opens is left as it is — and the re-sealed ones written back by
 * api.replace_sealed_values, which replaces a value only while it is still the one read (a secret the app rotated
 * meanwhile stays the app's). Postgres never sees a key. Running it again re-seals nothing.
 */
import { asApp, type Sql, type Tx } from "@/db/client.ts";
import { projectsToReseal, replaceSealedValues, type SealedValue, sealedValues } from "@/db/sealed_values.ts";
import { base64url, hex } from "@/lib/secrets.ts";
import { type MasterKeys, openSaying, seal } from "./master_key.ts";
import { SEALED_KINDS, type SealedKind } from "./sealed_kinds.ts";

/** What the reseal found of one kind. */
export type KindCount = {
  kind: string;
  /** Opened by an earlier key and written back sealed under the current one (a dry run: would be). */
  resealed: number;
  /** Opened by the current key: nothing to do. */
  current: number;
  /** Opened by an earlier key, but changed by the app between the read and the write: left as the app wrote it. */
  changed: number;
  /** Opened by no key, current or earlier: the row's id (project and id), never the value. */
  unopenable: string[];
};

export type ResealReport = { dryRun: boolean; kinds: KindCount[] };

export type ResealOptions = { dryRun?: boolean; batchSize?: number; kinds?: readonly SealedKind[] };

/** Reseals every kind; a kind's unopenable values are reported and the others carry on. */
export async function resealAll(
  sql: Sql,
  keys: MasterKeys,
  options: ResealOptions = {},
): Promise<ResealReport> {
  const { dryRun = false, batchSize = 500, kinds = SEALED_KINDS } = options;
  const projects = await asApp(sql, null, (tx) => projectsToReseal(tx));
  const counts: KindCount[] = [];
  for (const kind of kinds) {
    const count: KindCount = { kind: kind.name, resealed: 0, current: 0, changed: 0, unopenable: [] };
    for (const project of kind.deployment ? [null] : projects) {
      let after: string | null = null;
      do {
        // The batch's whole outcome comes back from the transaction: asApp may run it again (a conflict).
        const batch: Batch = await asApp(
          sql,
          project,
          (tx) => resealBatch(tx, keys, kind, project, after, batchSize, dryRun),
          { actor: "cli" },
        );
        count.resealed += batch.resealed;
        count.current += batch.current;
        count.changed += batch.changed;
        count.unopenable.push(...batch.unopenable);
        after = batch.full ? batch.last : null;
      } while (after !== null);
    }
    counts.push(count);
  }
  return { dryRun, kinds: counts };
}

type Batch = Omit<KindCount, "kind"> & { last: string | null; full: boolean };

async function resealBatch(
  tx: Tx,
  keys: MasterKeys,
  kind: SealedKind,
  project: string | null,
  after: string | null,
  size: number,
  dryRun: boolean,
): Promise<Batch> {
  const rows = await sealedValues(tx, kind.name, after, size);
  const batch: Batch = {
    resealed: 0,
    current: 0,
    changed: 0,
    unopenable: [],
    last: rows.at(-1)?.id ?? null,
    full: rows.length === size,
  };
  const changes = [];
  for (const row of rows) {
    const resealed = await resealOne(keys, kind, project, row);
    if (resealed === "current") batch.current++;
    else if (resealed === null) batch.unopenable.push(project === null ? row.id : `${project} ${row.id}`);
    else changes.push({ id: row.id, before: row.sealed, after: resealed });
  }
  const replaced = dryRun || !changes.length
    ? changes.length
    : (await replaceSealedValues(tx, kind.name, changes)).length;
  batch.resealed = replaced;
  batch.changed = changes.length - replaced;
  return batch;
}

/** The value sealed under the current key when an earlier key opened it; "current" when this one did; null: none. */
async function resealOne(
  keys: MasterKeys,
  kind: SealedKind,
  project: string | null,
  row: SealedValue,
): Promise<string | "current" | null> {
  const key = keys[kind.purpose];
  const context = kind.context(project ?? "", row);
  let opened;
  try {
    const bytes = kind.encoding === "hex" ? Uint8Array.fromHex(row.sealed) : base64url.decode(row.sealed);
    opened = await openSaying(key, bytes, context);
  } catch {
    return null; // sealed under a key not listed (or not a sealed value at all)
  }
  try {
    if (!opened.earlier) return "current";
    const sealed = await seal(key, opened.plaintext, context);
    return kind.encoding === "hex" ? hex(sealed) : base64url.encode(sealed);
  } finally {
    opened.plaintext.fill(0);
  }
}
