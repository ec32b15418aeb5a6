// The public room browser: polls the feed with If-None-Match (a 304 costs next to nothing)
// while the page is visible, and redraws the list when it changed. Room data goes through
// textContent only; strings come translated from the template (data-* of #room-list).

const POLL_MS = 1500;

function fill(template, params) {
  return template.replace(/\{(\w+)\}/g, (match, key) => (key in params ? String(params[key]) : match));
}

function start(root) {
  const text = root.dataset;
  const list = document.getElementById("room-list-items");
  const empty = document.getElementById("room-list-empty");
  const status = document.getElementById("room-list-status");
  let etag = text.etag || null;
  let count = list.children.length;
  let timer = null;

  function item(room) {
    const row = document.createElement("li");
    row.className = "room-list__item";
    row.dataset.code = room.code;
    const code = document.createElement("span");
    code.className = "room-list__code";
    code.textContent = room.code;
    const details = document.createElement("span");
    details.className = "room-list__details";
    const game = document.createElement("span");
    game.className = "room-list__game";
    game.textContent = room.game || text.noGame;
    const meta = document.createElement("span");
    meta.className = "room-list__meta";
    meta.textContent = fill(text.meta, { players: room.players, max: room.maxPlayers, host: room.host || "" });
    details.append(game, meta);
    const join = document.createElement("a");
    join.className = "btn btn--primary btn--small";
    join.href = text.joinUrl.replace("CODE", encodeURIComponent(room.code));
    join.textContent = text.join;
    join.setAttribute("aria-label", fill(text.joinLabel, { code: room.code, host: room.host || "" }));
    row.append(code, details, join);
    return row;
  }

  function render(rooms) {
    list.replaceChildren(...rooms.map(item));
    empty.hidden = rooms.length > 0;
    if (rooms.length !== count) status.textContent = fill(text.count, { count: rooms.length });
    count = rooms.length;
  }

  async function poll() {
    timer = null;
    try {
      const headers = etag ? { "If-None-Match": etag } : {};
      const response = await fetch(text.feed, { headers, cache: "no-cache", credentials: "same-origin" });
      if (response.status === 200) {
        etag = response.headers.get("ETag");
        render((await response.json()).rooms || []);
      }
    } catch {
      // offline for a moment: the next poll tries again
    }
    schedule();
  }

  function schedule() {
    clearTimeout(timer);
    timer = document.hidden ? null : setTimeout(poll, POLL_MS);
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && timer === null) poll();
  });
  schedule();
}

const root = document.getElementById("room-list");
if (root) start(root);
