/**
 * Run by tests/reliability/connection_rejection_test.ts in a process of its own: installs the guard, leaves
 * one rejection unhandled (a connection reset, or with "other" a plain error), and says whether it lived on.
 */
import { installConnectionRejectionGuard } from "@/db/pool.ts";

installConnectionRejectionGuard();
const reason = Deno.args[0] === "other"
  ? new Error("a bug")
  : Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET", errno: -104, syscall: "read" });
void Promise.reject(reason);
await new Promise((resolve) => setTimeout(resolve, 200));
console.log("still running");
