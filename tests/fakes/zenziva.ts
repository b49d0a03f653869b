/**
 * A local Zenziva OTP endpoint (`POST /reguler/api/sendOTP/`, form `userkey`, `passkey`, `to`, `kode_otp`),
 * answering its JSON shape: status "1" with messageId and cost, or status "0" with the reason. Codes land in
 * `inbox`; `failWith` makes every send answer status "0" with that text.
 */
import { type FakeServer, json, serveFake } from "./serve.ts";
import { randomSecret } from "@/lib/secrets.ts";

export type FakeZenziva = FakeServer & {
  userkey: string;
  passkey: string;
  inbox: { to: string; code: string }[];
  requests: URLSearchParams[];
  failWith?: string;
};

export function startFakeZenziva(): FakeZenziva {
  const refuse = (to: string, text: string) => json({ messageId: "0", to, status: "0", text });
  const server = serveFake(async (req, url) => {
    if (req.method !== "POST" || url.pathname !== "/reguler/api/sendOTP/") {
      return new Response("Not found", { status: 404 });
    }
    const form = new URLSearchParams(await req.text());
    fake.requests.push(form);
    const to = form.get("to") ?? "";
    if (form.get("userkey") !== fake.userkey || form.get("passkey") !== fake.passkey) {
      return refuse(to, "Userkey / Passkey Salah");
    }
    const code = form.get("kode_otp") ?? "";
    if (!/^(62|0)8\d{7,12}$/.test(to) || !/^\d{4,8}$/.test(code)) {
      return refuse(to, "Nomor / kode tidak valid");
    }
    if (fake.failWith) return refuse(to, fake.failWith);
    fake.inbox.push({ to: `+${to.replace(/^0/, "62")}`, code });
    return json({ messageId: String(Date.now()), to, status: "1", text: "Success", cost: 400 });
  });
  const fake: FakeZenziva = {
    ...server,
    userkey: randomSecret("", 9),
    passkey: randomSecret("", 12),
    inbox: [],
    requests: [],
  };
  return fake;
}
