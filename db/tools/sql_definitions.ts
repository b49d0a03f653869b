/**
 * Replays the migration history as text and keeps the last definition of every function (with its
 * `comment on` and grants), trigger and policy: what extract_current_files.ts writes to db/api/. Statements
 * it cannot carry over (views, `alter function`, `alter policy`) stop it with a message instead of being lost.
 */
import type { Migration } from "../migrate.ts";
import { normalise, splitStatements } from "./sql_statements.ts";

export type Definition = {
  /** `function api.x(bigint,text)`, `policy astapa.t "…"` or `trigger astapa.t.name`. */
  key: string;
  area: string;
  /** The statement(s) that create it idempotently. */
  create: string;
  comment?: string;
  privileges: string[];
};

const FUNCTION = /^create (?:or replace )?function ([\w.]+)\s*\(/i;
const FUNCTION_TARGET =
  /^(?:drop function (?:if exists )?|comment on function |(?:grant|revoke) .*? on function )([\w.]+)\s*\(/i;
const POLICY = /^create policy ("(?:[^"]|"")+"|\w+) on ([\w.]+)/i;
const TRIGGER = /^create (?:or replace )?trigger (\w+) .*? on ([\w.]+)/i;
const UNSUPPORTED =
  /^(create (or replace )?view|alter (function|policy|trigger|view)|drop (trigger|view)|create (or replace )?procedure)\b/i;
const DROP_POLICY = /^drop policy (?:if exists )?("(?:[^"]|"")+"|\w+) on ([\w.]+)/i;

/**
 * Replays `history` in order; `areaOf(version)` names the current file a new definition goes to, and
 * `restated` hears of each definition made again (tests use it to hold db/api to one definition each).
 */
export function readDefinitions(
  history: Pick<Migration, "version" | "name" | "sql">[],
  areaOf: (version: string, key: string) => string,
  restated: (key: string, where: string) => void = () => {},
): Definition[] {
  const byKey = new Map<string, Definition>();
  let droppedPolicy = ""; // a current file's `drop policy if exists` + `create policy` pair is one definition
  // A dropped object made again (a new signature, a recreated policy) stays in its area.
  const droppedAreas = new Map<string, string>();
  const named = (key: string) => key.replace(/\(.*$/, "");
  const forget = (key: string) => {
    const known = byKey.get(key);
    if (known) droppedAreas.set(named(key), known.area);
    return byKey.delete(key);
  };
  const areaFor = (key: string, version: string) => droppedAreas.get(named(key)) ?? areaOf(version, key);
  for (const migration of history) {
    for (const { text } of splitStatements(migration.sql)) {
      const words = normalise(text);
      const dropped = droppedPolicy;
      droppedPolicy = "";
      const where = `${migration.version}_${migration.name}.sql`;
      if (UNSUPPORTED.test(words)) {
        throw new Error(`${where}: the extractor cannot carry "${words.slice(0, 60)}…"`);
      }
      const fn = FUNCTION.exec(words);
      if (fn) {
        const key = functionKey(fn[1], words, fn[0].length);
        const create = text.replace(/^create\s+(or\s+replace\s+)?function/i, "create or replace function");
        const known = byKey.get(key);
        if (known) restated(key, where);
        if (known) known.create = create;
        else byKey.set(key, { key, area: areaFor(key, migration.version), create, privileges: [] });
        continue;
      }
      const target = FUNCTION_TARGET.exec(words);
      if (target) {
        const key = functionKey(target[1], words, target[0].length);
        const known = byKey.get(key);
        if (!known) throw new Error(`${where}: "${words.slice(0, 60)}…" names ${key}, which is not defined`);
        if (/^drop /i.test(words)) forget(key);
        else if (/^comment /i.test(words)) known.comment = text;
        else if (!known.privileges.includes(text)) known.privileges.push(text);
        continue;
      }
      const drop = DROP_POLICY.exec(words);
      if (drop) {
        const key = `policy ${drop[2]} ${identifier(drop[1])}`;
        if (forget(key)) droppedPolicy = key;
        continue;
      }
      const policy = POLICY.exec(words);
      if (policy) {
        const key = `policy ${policy[2]} ${identifier(policy[1])}`;
        const create = `drop policy if exists ${policy[1]} on ${policy[2]};\n${text}`;
        const known = byKey.get(key);
        if (known || dropped === key) restated(key, where);
        if (known) known.create = create;
        else byKey.set(key, { key, area: areaFor(key, migration.version), create, privileges: [] });
        continue;
      }
      const trigger = TRIGGER.exec(words);
      if (trigger) {
        const key = `trigger ${trigger[2]}.${trigger[1]}`;
        const create = text.replace(/^create\s+(or\s+replace\s+)?trigger/i, "create or replace trigger");
        const known = byKey.get(key);
        if (known) restated(key, where);
        if (known) known.create = create;
        else byKey.set(key, { key, area: areaFor(key, migration.version), create, privileges: [] });
      }
    }
  }
  return [...byKey.values()];
}

/** A (quoted) identifier as Postgres keeps it: cut to 63 bytes (NAMEDATALEN), as it does with a notice. */
function identifier(raw: string): string {
  if (!raw.startsWith('"')) return raw.toLowerCase().slice(0, 63);
  const bytes = new TextEncoder().encode(raw.slice(1, -1).replaceAll('""', '"'));
  const name = new TextDecoder().decode(bytes.slice(0, 63)).replace(/\uFFFD$/, "");
  return `"${name.replaceAll('"', '""')}"`;
}

/** `function schema.name(type,type)`: the identity Postgres knows a function by (argument types only). */
function functionKey(name: string, words: string, openParen: number): string {
  let depth = 1;
  let i = openParen;
  while (i < words.length && depth > 0) {
    if (words[i] === "(") depth++;
    else if (words[i] === ")") depth--;
    i++;
  }
  const types = splitTopLevel(words.slice(openParen, i - 1)).map(argumentType).filter((t) => t !== null);
  return `function ${name.toLowerCase()}(${types.join(",")})`;
}

const MODES = new Set(["in", "out", "inout", "variadic"]);
const TYPE_LEADERS = new Set(["double", "character", "timestamp", "time", "bit", "interval", "national"]);
const ALIASES: Record<string, string> = {
  int: "integer",
  int4: "integer",
  int8: "bigint",
  bool: "boolean",
  timestamptz: "timestamp with time zone",
  varchar: "character varying",
  float8: "double precision",
};

function argumentType(argument: string): string | null {
  const declared = argument.replace(/\s+(default\b|=).*$/is, "").trim().toLowerCase();
  if (!declared) return null;
  const words = declared.split(/\s+/);
  if (MODES.has(words[0]) && words.length > 1) {
    if (words.shift() === "out") return null; // OUT arguments are not part of the identity
  }
  if (words.length > 1 && !TYPE_LEADERS.has(words[0])) words.shift(); // the argument's name
  const type = words.join(" ").replace(/\s*\[\s*\]/g, "[]");
  const [base, ...array] = type.split("[");
  return (ALIASES[base] ?? base) + (array.length ? "[" + array.join("[") : "");
}

function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    if (list[i] === "(") depth++;
    else if (list[i] === ")") depth--;
    else if (list[i] === "," && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts.filter((p) => p.trim());
}
