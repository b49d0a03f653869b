/** Tiny argument parsing for the admin CLI: positionals, repeatable --flags, and usage errors (exit 2). */

export class UsageError extends Error {
  override name = "UsageError";
}

export type ParsedArgs = {
  positionals: string[];
  flags: Map<string, string[]>;
  json: boolean;
};

/** `--name value`, `--name=value`, and boolean `--json`; a flag may repeat. */
export function parseArgs(argv: string[], booleans: string[] = ["json", "help"]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (!name) throw new UsageError(`Unexpected "${arg}"`);
    let value = inline;
    if (value === undefined) {
      if (booleans.includes(name)) value = "true";
      else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) value = argv[++i];
      else throw new UsageError(`--${name} needs a value`);
    }
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { positionals, flags, json: flags.get("json")?.[0] === "true" };
}

/** The single value of a flag; a required flag that is missing or repeated is a usage error. */
export function flag(args: ParsedArgs, name: string, required: true): string;
export function flag(args: ParsedArgs, name: string, required?: false): string | undefined;
export function flag(args: ParsedArgs, name: string, required = false): string | undefined {
  const values = args.flags.get(name) ?? [];
  if (values.length > 1) throw new UsageError(`--${name} may be given only once`);
  if (required && values.length === 0) throw new UsageError(`--${name} is required`);
  return values[0];
}

/** A `--name true|false` flag; null when left out. */
export function trueOrFalse(args: ParsedArgs, name: string): boolean | null {
  const value = flag(args, name);
  if (value === undefined) return null;
  if (value !== "true" && value !== "false") throw new UsageError(`--${name} must be true or false`);
  return value === "true";
}

/** Rejects flags the command does not know, so typos do not pass silently. */
export function allowFlags(args: ParsedArgs, known: string[]): void {
  for (const name of args.flags.keys()) {
    if (!known.includes(name) && name !== "json" && name !== "help") {
      throw new UsageError(`Unknown option --${name}`);
    }
  }
}

/** The positionals after the command words, exactly `names.length` of them (named for the usage message). */
export function operands(args: ParsedArgs, skip: number, names: string[]): string[] {
  const rest = args.positionals.slice(skip);
  if (rest.length !== names.length) {
    const expected = names.length ? names.join(" ") : "nothing";
    throw new UsageError(`Expected ${expected} after "${args.positionals.slice(0, skip).join(" ")}"`);
  }
  return rest;
}
