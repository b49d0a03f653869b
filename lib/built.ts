/** Whether this process runs the JavaScript `deno task build` writes to _build/ (lib/build/server_build.ts). */
const RUNS_BUILT = import.meta.url.endsWith(".js");

/** A module's file as this process loads it: its .js in the build, its TypeScript file in a checkout. */
export function moduleFile(stem: string, typescript: ".ts" | ".tsx"): string {
  return stem + (RUNS_BUILT ? ".js" : typescript);
}
