/**
 * Splits a SQL file into top-level statements, the way psql would: semicolons inside strings, quoted
 * identifiers, dollar-quoted bodies and comments do not end a statement. Used by the tools that read the
 * migration history (extract_current_files.ts); the runner itself sends whole files to Postgres.
 */

/** One statement: its text without the trailing semicolon, and the comment lines just above it. */
export type Statement = { text: string; leadingComments: string[] };

const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

/** Returns the statements of `sql` in order (blank statements dropped). */
export function splitStatements(sql: string): Statement[] {
  const statements: Statement[] = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const char = sql[i];
    const next = sql[i + 1];
    if (char === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end + 1;
    } else if (char === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (char === "'" || char === '"') {
      i = endOfQuoted(sql, i, char);
    } else if (char === "$" && DOLLAR_TAG.test(sql.slice(i)) && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? "")) {
      const tag = DOLLAR_TAG.exec(sql.slice(i))![0];
      const end = sql.indexOf(tag, i + tag.length);
      i = end === -1 ? sql.length : end + tag.length;
    } else if (char === ";") {
      push(statements, sql.slice(start, i));
      start = ++i;
    } else {
      i++;
    }
  }
  push(statements, sql.slice(start));
  return statements;
}

function endOfQuoted(sql: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2; // a doubled quote stands for itself
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}

function push(statements: Statement[], chunk: string): void {
  const lines = chunk.split("\n");
  const leadingComments: string[] = [];
  while (lines.length && (lines[0].trim() === "" || lines[0].trim().startsWith("--"))) {
    const line = lines.shift()!.trim();
    if (line === "") leadingComments.length = 0; // only the comment block touching the statement is its own
    else leadingComments.push(line);
  }
  const text = lines.join("\n").trim();
  if (text) statements.push({ text, leadingComments });
}

/** Words of a statement with comments removed and whitespace folded (for classifying it). */
export function normalise(text: string): string {
  return text.replace(/--[^\n]*/g, " ").replace(/\/\*[\s\S]*?\*\//g, " ").replace(/\s+/g, " ").trim();
}
