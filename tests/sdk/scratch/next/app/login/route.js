/** GET /login: common.mjs's login, as a Next.js App Router route handler. */
import { route } from "../astapa.js";

export const dynamic = "force-dynamic";
export const GET = route("login");
