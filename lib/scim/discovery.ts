/**
 * SCIM's discovery documents (RFC 7644 §4, RFC 7643 §5-§7) for one directory: what Astapa supports (PATCH,
 * equality filters, bearer tokens; no bulk, sort, ETags or password changes), its resource types (User, and Group,
 * which the organization's admins map to roles) and the attributes of each schema Astapa keeps.
 */
import { MAX_PAGE } from "./filter.ts";

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/** A SCIM ListResponse of everything at once (startIndex 1). */
export function listResponse(resources: unknown[], total = resources.length) {
  return {
    schemas: [LIST_RESPONSE],
    totalResults: total,
    startIndex: 1,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}

export function serviceProviderConfig(base: string, docsUrl: string) {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    documentationUri: docsUrl,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [{
      type: "oauthbearertoken",
      name: "Bearer token",
      description:
        "The directory's SCIM token (Platform API POST …/organizations/{org}/scim), as Authorization: Bearer.",
      specUri: "https://www.rfc-editor.org/rfc/rfc6750",
      documentationUri: docsUrl,
      primary: true,
    }],
    meta: { resourceType: "ServiceProviderConfig", location: `${base}/ServiceProviderConfig` },
  };
}

export function resourceTypes(base: string) {
  return listResponse([{
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
    id: "User",
    name: "User",
    endpoint: "/Users",
    description: "A person of the organization: an account of the project, a member of the organization.",
    schema: USER_SCHEMA,
    schemaExtensions: [],
    meta: { resourceType: "ResourceType", location: `${base}/ResourceTypes/User` },
  }, {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
    id: "Group",
    name: "Group",
    endpoint: "/Groups",
    description: "A group of the organization's people; mapped by the organization's admins to a role.",
    schema: GROUP_SCHEMA,
    schemaExtensions: [],
    meta: { resourceType: "ResourceType", location: `${base}/ResourceTypes/Group` },
  }]);
}

const attribute = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  type: "string",
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: "readWrite",
  returned: "default",
  uniqueness: "none",
  ...extra,
});

export function schemas(base: string) {
  return listResponse([{
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
    id: USER_SCHEMA,
    name: "User",
    description: "The User attributes Astapa keeps; others are accepted and not kept.",
    attributes: [
      attribute("userName", {
        required: true,
        uniqueness: "server",
        description: "The person's email address, at a verified domain of the organization.",
      }),
      attribute("externalId", { caseExact: true }),
      attribute("name", {
        type: "complex",
        subAttributes: [attribute("givenName"), attribute("familyName"), attribute("formatted")],
      }),
      attribute("displayName"),
      attribute("nickName", { description: "Sets the person's profile nickname." }),
      attribute("preferredLanguage", {
        description:
          "Accept-Language form (en-US; id, en;q=0.8): its first language sets the profile locale.",
      }),
      attribute("locale", {
        description: "Sets the person's profile locale (BCP 47) when there is no preferredLanguage.",
      }),
      attribute("timezone", {
        description: "An IANA time zone (Asia/Jakarta): sets the profile's zoneinfo.",
      }),
      attribute("emails", {
        type: "complex",
        multiValued: true,
        subAttributes: [attribute("value"), attribute("type"), attribute("primary", { type: "boolean" })],
      }),
      attribute("active", { type: "boolean", description: "false deprovisions the person." }),
    ],
    meta: { resourceType: "Schema", location: `${base}/Schemas/${USER_SCHEMA}` },
  }, {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
    id: GROUP_SCHEMA,
    name: "Group",
    description: "The Group attributes Astapa keeps; members are Users of this directory.",
    attributes: [
      attribute("displayName", {
        required: true,
        uniqueness: "server",
        description: "The group's name, unique in the directory (without case).",
      }),
      attribute("externalId", { caseExact: true }),
      attribute("members", {
        type: "complex",
        multiValued: true,
        description: "Users of this directory (at most 1000 named a request).",
        subAttributes: [
          attribute("value", { caseExact: true, mutability: "immutable" }),
          attribute("display", { mutability: "readOnly" }),
          attribute("$ref", { type: "reference", referenceTypes: ["User"], mutability: "immutable" }),
          attribute("type", { canonicalValues: ["User"], mutability: "immutable" }),
        ],
      }),
    ],
    meta: { resourceType: "Schema", location: `${base}/Schemas/${GROUP_SCHEMA}` },
  }]);
}
