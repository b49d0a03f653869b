/**
 * `deno task build`: the server as plain JavaScript in _build/, which `deno task start` runs (as Fresh
 * builds a production server ahead).
 *
 * Deno hands V8 a TypeScript module as its transpiled code plus an inline source map carrying the original
 * text, so each module's source sits in the heap twice, at two bytes a character where the file has one
 * character outside Latin-1. Transpiled ahead, one output file per module (`deno bundle
 * --inline-imports=false`: comments dropped, non-ASCII written as escapes), the server keeps several MB less
 * resident (docs/performance.md, "Session 20").
 *
 * The tree keeps the checkout's layout, so every path a module finds from `import.meta.url` still holds:
 * the modules as .js with their imports renamed, and beside them what the server reads at run time (SQL,
 * docs, static files, and the TypeScript the island bundler compiles for browsers). Route folders hold
 * only the .js route modules, since the router loads every module it finds there.
 */
import { dirname, join, relative } from "node:path";

/** The folders whose modules make up the server (tests and tools excluded). */
const MODULE_FOLDERS = ["lib", "routes", "db", "components", "islands"];
const ROOT_MODULES = ["main.ts", "config.ts"];
/** Folders copied as they are: read at run time by path. */
const ASSET_FOLDERS = ["static", "docs"];
const MODULE = /\.tsx?$/;
const TEST = /_test\.tsx?$/;
/** An import's or export's specifier in esbuild's output: `from "x"`, `import "x"`, `import("x")`. */
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(?\s*)(["'])([^"'\n]+)\2/g;
/** A specifier the rewrite must not leave behind: a checkout module named by its TypeScript file. */
const SOURCE_SPECIFIER = /["'](?:\.{1,2}\/|@\/)[^"'\n]*\.tsx?["']/;

export class BuildError extends Error {}

/** Builds the server from the checkout at `root` into `root/_build` (replaced whole, never half-written). */
export async function buildServer(root: string): Promise<{ modules: number }> {
  const target = join(root, "_build");
  const staging = `${target}.staging-${crypto.randomUUID()}`;
  const retired = `${target}.retired-${crypto.randomUUID()}`;
  try {
    const modules = await listModules(root);
    await transpile(root, modules, staging);
    for (const module of modules) {
      const file = join(staging, module.replace(MODULE, ".js"));
      await Deno.writeTextFile(file, renameImports(await Deno.readTextFile(file), module));
    }
    await copyRuntimeFiles(root, staging);
    // Two renames, then the old tree removed: a server already running from _build/ (another instance of this
    // checkout) finds a whole tree whenever it loads a lazy module, but for the moment between the renames.
    await Deno.rename(target, retired).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    await Deno.rename(staging, target);
    return { modules: modules.length };
  } finally {
    for (const folder of [staging, retired]) await Deno.remove(folder, { recursive: true }).catch(() => {});
  }
}

/** The server's modules, relative to the root. */
async function listModules(root: string): Promise<string[]> {
  const modules = [...ROOT_MODULES];
  for (const folder of MODULE_FOLDERS) {
    for await (const file of walk(join(root, folder))) {
      if (MODULE.test(file) && !TEST.test(file)) modules.push(relative(root, file));
    }
  }
  return modules.sort();
}

async function transpile(root: string, modules: string[], outdir: string): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--packages=external",
      "--inline-imports=false",
      `--outdir=${outdir}`,
      ...modules,
    ],
    cwd: root,
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (code !== 0) throw new BuildError(`deno bundle failed:\n${new TextDecoder().decode(stderr)}`);
}

/**
 * Points each checkout import of `module` (its path in the checkout) at its .js: `./x.ts` → `./x.js`,
 * `@/lib/x.ts` (deno.json's alias for the root) → the relative path to `lib/x.js`. Packages' specifiers stay
 * as the import map resolves them. A module named by its TypeScript file anywhere else (a computed import, a
 * worker's URL) is refused: the build cannot follow it, and running it would load the checkout's copy.
 */
export function renameImports(code: string, module: string): string {
  const up = module.includes("/") ? "../".repeat(module.split("/").length - 1) : "./";
  const renamed = code.replace(SPECIFIER, (whole, lead, quote, specifier: string) => {
    if (!MODULE.test(specifier)) return whole;
    const js = specifier.replace(MODULE, ".js");
    if (specifier.startsWith("./") || specifier.startsWith("../")) return `${lead}${quote}${js}${quote}`;
    if (specifier.startsWith("@/")) return `${lead}${quote}${up}${js.slice(2)}${quote}`;
    return whole;
  });
  const left = SOURCE_SPECIFIER.exec(renamed);
  if (left) throw new BuildError(`${module}: ${left[0]} is not a static import the build can rename`);
  return renamed;
}

/** SQL, docs and static files by path; the TypeScript outside routes/ for the island bundler. */
async function copyRuntimeFiles(root: string, staging: string): Promise<void> {
  for (const folder of ASSET_FOLDERS) await copyTree(join(root, folder), join(staging, folder), () => true);
  for (const folder of MODULE_FOLDERS.filter((folder) => folder !== "routes")) {
    await copyTree(join(root, folder), join(staging, folder), (file) => !TEST.test(file));
  }
  await copyTree(join(root, "routes"), join(staging, "routes"), (file) => !MODULE.test(file));
}

async function copyTree(from: string, to: string, keep: (file: string) => boolean): Promise<void> {
  for await (const file of walk(from)) {
    if (!keep(file) || file.includes("/static/build/")) continue;
    const copy = join(to, relative(from, file));
    await Deno.mkdir(dirname(copy), { recursive: true });
    await Deno.copyFile(file, copy);
  }
}

async function* walk(folder: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(folder)) {
    const path = join(folder, entry.name);
    if (entry.isDirectory) yield* walk(path);
    else if (entry.isFile) yield path;
  }
}

if (import.meta.main) {
  const root = new URL("../../", import.meta.url).pathname;
  const { modules } = await buildServer(root);
  console.log(`Built ${modules} modules into ${join(root, "_build")}`);
}
