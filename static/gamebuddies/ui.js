// What the lobby and game pages (the demo games' shell) share: building DOM from data, the
// connection indicator's words, number formatting, retry timing, the ranking list and the
// error a refused request becomes. Written once here so both pages behave alike.
// Public, like sdk.js beside it: game pages on other origins import it with the SDK.
// No dependencies, no build step. Player text only ever goes through textContent.

/** An element with a class, text (as text, never HTML), attributes and children. */
export function el(tag, { className, text, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

// The words for connectRoom's statuses. English is the key: the lobby passes its t() to
// show them in the page's language (each is listed in gamebuddies/ui_strings.py).
export const CONNECTION_LABELS = {
  connected: "Connected",
  syncing: "Syncing…",
  offline: "Reconnecting…",
  ended: "Disconnected",
};

const asIs = (text) => text;

/** The indicator (`.conn` with its label) for a connection status. */
export function showConnection(indicator, label, status, translate = asIs) {
  indicator.className = `conn conn--${status}`;
  label.textContent = CONNECTION_LABELS[status] ? translate(CONNECTION_LABELS[status]) : status;
}

/** 12345.6 -> "12 345.6": thin spaces group the thousands, whatever the browser's locale. */
export function formatNumber(value) {
  return Number(value).toLocaleString("en-US").replace(/,/g, "\u2009");
}

/**
 * How long to wait before attempt number `attempt` (0 first) is retried: exponential backoff
 * with jitter, so a server's return is not met by every client at the same instant.
 */
export function backoffDelay(attempt, { baseMs, maxMs }) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * A game's ranking (its result's `ranking`: rank, name, display) as the rows of `list`, all
 * plain text; at most `limit` rows, the row of `meId` marked. Returns the number of rows.
 */
export function renderRanking(list, ranking, { limit = Infinity, meId = null } = {}) {
  const rows = (Array.isArray(ranking) ? ranking.slice(0, limit) : []).filter((row) => row && typeof row === "object");
  list.replaceChildren(
    ...rows.map((row) => {
      const classes = ["rank", `rank--${Math.min(row.rank, 4)}`];
      if (meId && row.playerId === meId) classes.push("rank--me");
      return el("li", { className: classes.join(" ") }, [
        el("span", { className: "rank__place", text: row.rank ?? "" }),
        el("span", { className: "rank__name", text: row.name ?? "" }),
        el("span", { className: "rank__score", text: row.display ?? row.score ?? "" }),
      ]);
    }),
  );
  return rows.length;
}

/**
 * The server refused a request and said why: its `{ error, code }` as an Error with a stable
 * `code`; `fallback` gives both when the answer did not.
 */
export class RefusalError extends Error {
  constructor(body, fallback) {
    super((body && body.error) || fallback.message);
    this.code = (body && body.code) || fallback.code;
  }
}
