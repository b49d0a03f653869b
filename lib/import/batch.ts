/**
 * One import batch from parsed items to the answer: rows refused by the checks here join the ones the
 * database refused, in row order, so the caller sees every refused row with its reason in one list.
 */
import type { ImportResult } from "@/db/user_import.ts";
import type { Item } from "./parse_input.ts";
import { checkRow, type HashConfig, isRefusal, type Refusal, type SqlRow } from "./rows.ts";

/** Items → the rows to send to the database and the ones refused already. */
export function checkItems(
  items: readonly Item[],
  hashConfig?: HashConfig,
): { rows: SqlRow[]; refused: Refusal[] } {
  const rows: SqlRow[] = [];
  const refused: Refusal[] = [];
  for (const item of items) {
    const checked = "reason" in item ? item : checkRow(item.value, item.row, hashConfig);
    if (isRefusal(checked)) refused.push(checked);
    else rows.push(checked);
  }
  return { rows, refused };
}

/** The database's answer with the rows refused before it, in row order. */
export function withRefusals(result: ImportResult, refused: readonly Refusal[]): ImportResult {
  const all = [...refused, ...result.refused].sort((a, b) => a.row - b.row);
  return { ...result, refused: all };
}
