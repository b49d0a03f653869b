/** SCIM /Groups: not offered (lib/scim/groups.ts): 501 for every method, once the token is checked. */
import { SCIM_TOKEN } from "@/lib/router/callers.ts";
import { GROUPS_NOT_OFFERED } from "@/lib/scim/groups.ts";

export const callers = SCIM_TOKEN;
export const handler = GROUPS_NOT_OFFERED;
