/**
 * @simplewebauthn/server, loaded on the first passkey ceremony (lib/lazy_import.ts): about 29 MB resident
 * that a server whose users never touch a passkey does not need.
 */
import { lazyImport } from "@/lib/lazy_import.ts";

export const webauthn = lazyImport("@simplewebauthn/server", () => import("@simplewebauthn/server"));
