/**
 * Builds the npm package `@astapa/sdk` from these sources: ESM JavaScript with .d.ts types (TypeScript's
 * compiler, which rewrites the `.ts` import suffixes), packed with `npm pack`. Deno and JSR users import the
 * .ts files directly; Node, Bun and bundlers get the package.
 *
 *   deno run -A sdk/build.ts [OUT_DIR]     → prints the path of the .tgz
 */
import { dirname, join } from "node:path";

const SDK = dirname(new URL(import.meta.url).pathname);
const TYPESCRIPT = "typescript@5.9.3";

/**
 * Builds into `out` and returns the packed tarball's path. Sources, output and tarballs are replaced; the
 * build's node_modules (the compiler) stays for the next build.
 */
export async function buildSdkPackage(out: string): Promise<string> {
  await Deno.mkdir(out, { recursive: true });
  for await (const entry of Deno.readDir(out)) {
    if (entry.name !== "node_modules") await Deno.remove(join(out, entry.name), { recursive: true });
  }
  await Deno.mkdir(join(out, "src"), { recursive: true });
  for await (const entry of Deno.readDir(SDK)) {
    if (entry.isFile && entry.name.endsWith(".ts") && !["build.ts"].includes(entry.name)) {
      await Deno.copyFile(join(SDK, entry.name), join(out, "src", entry.name));
    }
  }
  for (const file of ["package.json", "README.md"]) await Deno.copyFile(join(SDK, file), join(out, file));
  await Deno.copyFile(join(SDK, "tsconfig.build.json"), join(out, "tsconfig.json"));
  // The compiler and jose's types, for the build only (npm pack takes `files`: dist and the README).
  await run(out, "npm", ["install", "--no-audit", "--no-fund", "--no-save", "--silent", TYPESCRIPT]);
  await run(out, "npm", ["install", "--no-audit", "--no-fund", "--silent", "--no-package-lock"]);
  await run(out, join(out, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"]);
  const packed = await run(out, "npm", ["pack", "--silent"]);
  return join(out, packed.trim().split("\n").at(-1)!);
}

async function run(cwd: string, command: string, args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(command, { args, cwd, stdin: "null" }).output();
  const text = new TextDecoder().decode(stdout);
  if (code !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (${code}):\n${text}${new TextDecoder().decode(stderr)}`,
    );
  }
  return text;
}

if (import.meta.main) {
  console.log(await buildSdkPackage(Deno.args[0] ?? join(SDK, "..", ".tmp", "sdk-package")));
}
