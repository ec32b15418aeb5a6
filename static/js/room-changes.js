// What a screen reader hears about the room (issue 22 #6): who joined or left, who is ready,
// which game the host picked, that a game started or ended. Worked out from two consecutive
// server snapshots, so it holds whatever caused the change. The host role has its own notice
// (host-notice.js), so it is not repeated here; neither are countdowns or connection ticks.

import { t } from "./i18n.js";

const MAX_NAMED = 3; // a burst of changes is summed up rather than read out one by one

function byId(players) {
  return new Map((players || []).map((p) => [p.id, p]));
}

// The sentences for the change from `previous` to `next` (possibly none).
export function roomChanges(previous, next, { myId, games = new Map() } = {}) {
  if (!previous || !next) return [];
  const before = byId(previous.players);
  const after = byId(next.players);
  const joined = [];
  const left = [];
  const ready = [];
  const notReady = [];
  const away = [];
  const back = [];
  for (const [id, p] of after) {
    const old = before.get(id);
    if (!old) {
      if (id !== myId) joined.push(p.role === "spectator" ? t("{name} joined to watch", p) : t("{name} joined", p));
      continue;
    }
    if (id === myId) continue; // your own changes are on your own buttons
    if (p.role !== "spectator" && old.isReady !== p.isReady && next.room.status === "lobby") {
      (p.isReady ? ready : notReady).push(p.name);
    }
    if (p.role !== "host" && old.isConnected !== p.isConnected) (p.isConnected ? back : away).push(p.name);
  }
  for (const [id, p] of before) if (!after.has(id) && id !== myId) left.push(t("{name} left the room", p));

  const lines = [];
  const list = (names, one, many) => {
    if (!names.length) return;
    if (names.length > MAX_NAMED) lines.push(t(many, { count: names.length }));
    else lines.push(...names.map((text) => one(text)));
  };
  list(joined, (text) => text, "{count} people joined");
  list(left, (text) => text, "{count} people left the room");
  list(ready, (name) => t("{name} is ready", { name }), "{count} players are ready");
  list(notReady, (name) => t("{name} is not ready", { name }), "{count} players are not ready");
  list(away, (name) => t("{name} lost their connection", { name }), "{count} players lost their connection");
  list(back, (name) => t("{name} is back", { name }), "{count} players are back");

  const gameBefore = previous.room.currentGame;
  const gameAfter = next.room.currentGame;
  if (gameAfter && gameAfter !== gameBefore && next.room.status === "lobby") {
    const game = games.get(gameAfter);
    lines.push(game ? t("The host picked {game}", { game: game.name }) : t("The host picked a game"));
  }
  if (previous.room.status === "lobby" && next.room.status === "in_game") lines.push(t("The game has started"));
  if (previous.room.status !== "lobby" && next.room.status === "lobby") lines.push(t("The game is over"));
  return lines;
}
