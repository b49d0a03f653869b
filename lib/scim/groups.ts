/**
 * SCIM Groups are not offered (docs/scim.md): /ResourceTypes lists User only, and an IdP that pushes groups anyway
 * gets 501 Not Implemented (RFC 7644 §3.12) on every method, after its token is checked — answered, not thrown,
 * so the app's error log does not count an IdP's setting as a server failure.
 */
import type { Handlers } from "../router/routes.ts";
import { scimErrorResponse, ScimProblem } from "./problem.ts";

const notOffered = () =>
  scimErrorResponse(
    new ScimProblem(
      501,
      "Groups are not supported by this directory: provision users only (turn group push off at the IdP).",
    ),
  );

export const GROUPS_NOT_OFFERED: Handlers = {
  GET: notOffered,
  POST: notOffered,
  PUT: notOffered,
  PATCH: notOffered,
  DELETE: notOffered,
};
