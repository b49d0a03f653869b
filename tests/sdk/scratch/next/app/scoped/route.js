/** GET /scoped: a route handler gated by scope with the SDK's Next.js adapter. */
import { astapa } from "../../common.mjs";

export const dynamic = "force-dynamic";
export const GET = astapa.requireScope.nextRoute(["email"], (_request, claims) => Response.json({ sub: claims.sub }));
