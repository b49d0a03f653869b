/** GET /pro: a route handler gated by plan with the SDK's Next.js adapter. */
import { astapa } from "../../common.mjs";

export const dynamic = "force-dynamic";
export const GET = astapa.requirePlan.nextRoute(["pro"], (_request, claims) => Response.json({ sub: claims.sub }));
