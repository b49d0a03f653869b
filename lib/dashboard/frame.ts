/** Page data every dashboard page shares, from the signed-in developer. */
import type { Ctx } from "../app_env.ts";
import type { FrameData } from "./page_data.ts";
import { developer } from "./access.ts";

export function frameOf(c: Ctx): FrameData {
  const signedIn = developer(c);
  return {
    email: signedIn.session.email,
    csrf: signedIn.csrf,
    deploymentOwner: signedIn.session.deployment_owner,
  };
}
