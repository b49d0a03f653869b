/** GET /upgrade: common.mjs's upgrade, as a Next.js App Router route handler. */
import { route } from "../astapa.js";

export const dynamic = "force-dynamic";
export const GET = route("upgrade");
