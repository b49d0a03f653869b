/** Path parameters and headers shared by the Platform management API's routes. */
import { isUserId } from "../http/user_id.ts";
import type { Ctx } from "../app_env.ts";
import { AppError } from "../http/errors.ts";

/** A user's `sub` from the path: anything that cannot be one is simply not found. */
export function subParam(c: Ctx): string {
  const sub = c.req.param("sub") ?? "";
  if (!isUserId(sub)) throw new AppError("not_found");
  return sub;
}

/** A checkout's id (chk_…) from the path: anything else is simply not found. */
export function checkoutParam(c: Ctx): string {
  const id = c.req.param("id") ?? "";
  if (!/^chk_[a-z2-7]{24}$/.test(id)) {
    throw new AppError("not_found", { description: "This checkout was not found." });
  }
  return id;
}

/** A refund's id (rfd_…) from the path: anything else is simply not found. */
export function refundParam(c: Ctx): string {
  const id = c.req.param("id") ?? "";
  if (!/^rfd_[a-z2-7]{24}$/.test(id)) {
    throw new AppError("not_found", { description: "This refund was not found." });
  }
  return id;
}

/** A webhook endpoint's id (wep_…) from the path: anything else is simply not found. */
export function webhookEndpointParam(c: Ctx): string {
  const id = c.req.param("id") ?? "";
  if (!/^wep_[a-z2-7]{24}$/.test(id)) {
    throw new AppError("not_found", { description: "This project has no webhook endpoint with this id." });
  }
  return id;
}

/** Responses of these APIs describe users, plans and clients: never cached. */
export const NO_STORE = { "cache-control": "no-store" };
