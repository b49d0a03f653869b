/**
 * The data each dashboard page renders, as types: lib/dashboard loads it, components/dashboard draws it.
 * They live here so lib/ does not import view components (the components re-export them).
 */
import type { UserMetadata } from "@/db/user_metadata.ts";
import type { BackchannelLogout } from "@/db/backchannel_logouts.ts";
import type { AppleRevocation } from "@/db/apple_revocations.ts";
import type { MemberRole } from "@/db/accounts.ts";
import type { ProviderId } from "@/lib/login/social/providers.ts";
import type { Consent, ThirdPartyClient } from "@/db/consents.ts";
import type { UserFactors } from "@/db/factors.ts";
import type { MachineClient, MachineClientWithSecret } from "@/db/machine_clients.ts";
import type { ListedPasskey } from "@/db/passkeys.ts";
import type { Plan, Subscription } from "@/db/plans.ts";
import type { AuditEntry } from "@/db/project_logs.ts";
import type { TokenLifetimeLimits } from "@/db/project_settings.ts";
import type { Project } from "@/db/projects.ts";
import type { Resource, Scope } from "@/db/resources.ts";
import type { LoginSession, OwnClaims, SignInMethod } from "@/db/user_admin.ts";
import type { TokenClaims, User } from "@/db/users.ts";
import type { UserBilling } from "@/db/user_billing.ts";
import type { DeliveryPage, WebhookEndpoint } from "@/db/webhooks.ts";
import type { Lang } from "./i18n.ts";
import type { Posted } from "./form_action.ts";

/** Who is signed in, for the frame around every page, the form token, and the language pages are drawn in. */
export type FrameData = {
  email: string;
  csrf: string;
  deploymentOwner: boolean;
  lang: Lang;
  /** Where the language switch sends the developer back to: this page (a GET's own path). */
  here: string;
};

export type SocialState = {
  state: "off" | "own" | "deployment" | "unavailable";
  clientId?: string;
  /** Apple's own app: its Team ID and Key ID (the private key is never shown). */
  teamId?: string;
  keyId?: string;
  /** Microsoft's own app: the tenant it signs people in from. */
  tenant?: string;
};

type Attempts = { perEmail: number; perAddress: number };

export type SettingsData = {
  frame: FrameData;
  project: Project;
  role: MemberRole;
  isConsole: boolean;
  /** This deployment's base URL, for the social callback URLs to register. */
  baseUrl: string;
  limits: TokenLifetimeLimits;
  /** Whether the project has its own (sealed) keys per environment; the keys are never shown. */
  xendit: { sandbox: boolean; production: boolean };
  deploymentLiveXendit: boolean;
  /** Domains a project's own from address may use (MAIL_FROM's and MAIL_FROM_DOMAINS). */
  mailFromDomains: string[];
  social: Record<ProviderId, SocialState>;
  /** The project's own phone code provider accounts: which, and a hint (never the credentials). */
  phoneProviders: { provider: string; hint: string; updated_at: string }[];
  /** The latest logout tokens sent to the apps (Back-Channel Logout), newest first. */
  recentLogouts: BackchannelLogout[];
  /** Apple token revocations still waiting or given up, newest first. */
  appleRevocations: AppleRevocation[];
  rateLimits: {
    signIn: { sandbox: Attempts; production: Attempts; windowSeconds: number };
    clientAuth: { perClient: number; perAddress: number; windowSeconds: number };
  };
  notice?: string;
  error?: string;
};

export type ProjectViewData = {
  frame: FrameData;
  project: Project;
  role: MemberRole;
  baseUrl: string;
  notice?: string;
  error?: string;
  /** Right after a rotation: the new secret, shown once. */
  newSecret?: string;
};

export type MachineClientsData = {
  frame: FrameData;
  project: Project;
  role: MemberRole;
  clients: MachineClient[];
  scopes: Scope[];
  resources: Resource[];
  /** Self-registered and metadata-document clients users of the project allowed. */
  thirdPartyClients: ThirdPartyClient[];
  /** A secret just created or rotated: on this one answer only. */
  issued?: MachineClientWithSecret;
  /** The client whose secret the row's Rotate asks to replace: confirmed on this answer, then rotated. */
  confirmRotation?: { client_id: string; name: string };
  notice?: string;
  error?: string;
};

export type WebhooksData = {
  frame: FrameData;
  project: Project;
  role: MemberRole;
  /** Oldest first. */
  endpoints: WebhookEndpoint[];
  deliveries: DeliveryPage;
  /** Whether this is an older page of the log (a link back to the newest is shown). */
  paged: boolean;
  /** A signing secret just created or rotated: on this one answer only. */
  secret?: string;
  notice?: string;
  error?: string;
};

export type UserViewData = {
  frame: FrameData;
  project: Project;
  role: MemberRole;
  user: User;
  plan: string;
  subscription: Subscription | null;
  history: Subscription[];
  plans: Plan[];
  /** null while the user is disabled (disabled users get no tokens). */
  claims: TokenClaims | null;
  /** What the claims form edits: the user's own role, flags and custom claims (not the plan's). */
  ownClaims: OwnClaims;
  /** The app's own metadata about the user (never in a token). */
  metadata: UserMetadata;
  methods: SignInMethod[];
  sessions: LoginSession[];
  /** The user's second factors (docs/mfa.md). */
  factors: UserFactors;
  /** The user's passkeys (never a public key). */
  passkeys: ListedPasskey[];
  /** The user's latest audit entries. */
  audit: AuditEntry[];
  /** What the user allowed third-party clients (remembered consent). */
  consents: Consent[];
  /** Trials, plan changes, linked e-wallets, renewal charges, payments with receipts (api.user_billing). */
  billing: UserBilling;
  /** A sign-in-as link just made (docs/impersonation.md): shown once, on the page the form answers with. */
  impersonation?: { url: string; expires_at: string; ends_at: string };
  /** The IANA zones the profile form offers (none for a viewer, who sees no form). */
  timeZones: string[];
  notice?: string;
  error?: string;
  /** A refused form's messages by field name (the profile form shows each beside its field). */
  fieldErrors?: Record<string, string[]>;
  /** What a refused form posted, shown again in it rather than the stored values. */
  draft?: Posted;
};
