import { useEffect } from "preact/hooks";
import { sendSignal } from "@simplewebauthn/browser";

export type PasskeySignalsProps = {
  /** The deployment's RP ID (every signal names it). */
  rpId: string;
  /** A credential the browser just presented that was this project's and is gone (base64url). */
  forget?: string;
  /** The signed-in person: their user handle (base64url), names, and every passkey of theirs the server keeps. */
  user?: { id: string; name: string; displayName: string; accepted: string[] };
};

type Signal = Parameters<typeof sendSignal>[0];

/**
 * Keeps the person's password manager in step with the server through WebAuthn's Signal API (Level 3 §5.1.10;
 * @simplewebauthn/browser's sendSignal): a passkey gone here is forgotten there, and the account name it shows is
 * the account's. A signal the browser lacks, ignores or refuses changes nothing (a hint, never a step). Renders
 * nothing.
 */
export default function PasskeySignals(props: PasskeySignalsProps) {
  useEffect(() => {
    if (!globalThis.PublicKeyCredential) return;
    const { rpId: rpID, forget, user } = props;
    const signals: Signal[] = [];
    if (forget) signals.push({ signalName: "unknownCredential", rpID, credentialID: forget });
    if (user) {
      signals.push(
        {
          signalName: "allAcceptedCredentials",
          rpID,
          userID: user.id,
          allAcceptedCredentialIDs: user.accepted,
        },
        {
          signalName: "currentUserDetails",
          rpID,
          userID: user.id,
          userName: user.name,
          userDisplayName: user.displayName,
        },
      );
    }
    // sendSignal refuses where the browser lacks the call (its feature test): then nothing happens.
    for (const signal of signals) {
      sendSignal(signal).catch((error) => console.info("passkey signal not sent", error));
    }
  }, []);
  return null;
}
