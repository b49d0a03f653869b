/** The settings switch row every settings form uses (components/dashboard/SettingSwitch.tsx), rendered alone. */
import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { SettingSwitch } from "@/components/dashboard/SettingSwitch.tsx";

Deno.test("setting switch — the hand-written row's markup: input, a space, the label; unset attributes left out", () => {
  assert.equal(
    renderToString(<SettingSwitch name="passkeys" value="on" label="Passkeys" checked disabled />),
    '<label><input type="checkbox" name="passkeys" value="on" checked disabled/> Passkeys</label>',
  );
  assert.equal(
    renderToString(<SettingSwitch class="check" name="dynamic_clients" label="Dynamic" checked={false} />),
    '<label class="check"><input type="checkbox" name="dynamic_clients"/> Dynamic</label>',
  );
  assert.equal(
    renderToString(
      <SettingSwitch
        name="cards"
        value="on"
        label="Cards"
        checked={false}
        data={{ "data-linked-switch": "cards" }}
      />,
    ),
    '<label><input type="checkbox" name="cards" value="on" data-linked-switch="cards"/> Cards</label>',
  );
});

Deno.test("setting switch — a hint is a line under the row that the checkbox is described by", () => {
  const html = renderToString(
    <SettingSwitch
      name="dpop_required"
      value="on"
      label="Require DPoP"
      checked
      hint={{ id: "dpop_required-hint", text: "Tokens without a proof are refused." }}
    />,
  );
  assert.equal(
    html,
    '<label><input type="checkbox" name="dpop_required" value="on" checked aria-describedby="dpop_required-hint"/>' +
      ' Require DPoP</label><p class="hint" id="dpop_required-hint">Tokens without a proof are refused.</p>',
  );
});
