// What the lobby tells everyone about the host role (issue 17): the host's disconnection and
// how long until the role passes on, then who the new host is ("You're the host now" for them).
// Worked out from two consecutive server snapshots, so it holds whichever change caused it:
// a closed page, a presence timeout, a transfer, the housekeeping sweep handing the role on.

import { t } from "./i18n.js";

const hostOf = (state) => (state && state.players ? state.players.find((p) => p.role === "host") : undefined);

// The notice for the change from `previous` to `next`: { kind, text } to show, { kind: "clear" }
// when the reason for a notice went away (the host came back), or null when nothing changed.
// `graceSeconds`: from the update's changes (hostGraceSeconds), else the page's setting.
export function hostNotice(previous, next, { myId, graceSeconds = null } = {}) {
  const before = hostOf(previous);
  const after = hostOf(next);
  if (!after) return null;
  if (before && before.id !== after.id) {
    if (after.id === myId) return { kind: "new-host", text: t("You're the host now") };
    return { kind: "new-host", text: t("{name} is the host now", { name: after.name }) };
  }
  if (!before || after.id === myId) return null;
  if (before.isConnected && !after.isConnected) {
    const text = Number.isFinite(graceSeconds)
      ? t("{name} disconnected — the host role passes in {seconds} s", { name: after.name, seconds: graceSeconds })
      : t("{name} disconnected — the host role passes soon", { name: after.name });
    return { kind: "host-away", text };
  }
  if (!before.isConnected && after.isConnected) return { kind: "clear" };
  return null;
}
