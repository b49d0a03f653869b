/** Path parameters of the Platform API's organization routes: anything that cannot be one is not found. */
import type { Ctx } from "../app_env.ts";
import { AppError } from "../http/errors.ts";

/** An organization's id (org_…) or slug from the path. */
export function organizationParam(c: Ctx): string {
  const id = c.req.param("id") ?? "";
  if (!/^[a-z0-9_-]{1,64}$/.test(id)) throw new AppError("not_found");
  return id;
}

/** An invitation's id (oin_…) from the path. */
export function invitationParam(c: Ctx): string {
  const id = c.req.param("invitation") ?? "";
  if (!/^oin_[a-z2-7]{24}$/.test(id)) throw new AppError("not_found");
  return id;
}

/** A domain name from the path (lower-cased; SQL checks its form). */
export function domainParam(c: Ctx): string {
  const domain = (c.req.param("domain") ?? "").toLowerCase();
  if (!/^[a-z0-9.-]{1,253}$/.test(domain)) throw new AppError("not_found");
  return domain;
}
