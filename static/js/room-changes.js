// What a screen reader hears about the room (issue 22 #6): who joined or left, who is ready,
// which game the host picked, that a game started or ended. Worked out from two consecutive
// server snapshots, so it holds whatever caused the change. The host role has its own notice
// (host-notice.js), so it is not repeated here; neither are countdowns or connection ticks.

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
      if (id !== myId) joined.push(p.role === "spectator" ? `${p.name} joined to watch` : `${p.name} joined`);
      continue;
    }
    if (id === myId) continue; // your own changes are on your own buttons
    if (p.role !== "spectator" && old.isReady !== p.isReady && next.room.status === "lobby") {
      (p.isReady ? ready : notReady).push(p.name);
    }
    if (p.role !== "host" && old.isConnected !== p.isConnected) (p.isConnected ? back : away).push(p.name);
  }
  for (const [id, p] of before) if (!after.has(id) && id !== myId) left.push(`${p.name} left the room`);

  const lines = [];
  const list = (names, one, many) => {
    if (!names.length) return;
    if (names.length > MAX_NAMED) lines.push(`${names.length} ${many}`);
    else lines.push(...names.map((text) => one(text)));
  };
  list(joined, (t) => t, "people joined");
  list(left, (t) => t, "people left the room");
  list(ready, (n) => `${n} is ready`, "players are ready");
  list(notReady, (n) => `${n} is not ready`, "players are not ready");
  list(away, (n) => `${n} lost their connection`, "players lost their connection");
  list(back, (n) => `${n} is back`, "players are back");

  const gameBefore = previous.room.currentGame;
  const gameAfter = next.room.currentGame;
  if (gameAfter && gameAfter !== gameBefore && next.room.status === "lobby") {
    const game = games.get(gameAfter);
    lines.push(`The host picked ${game ? game.name : "a game"}`);
  }
  if (previous.room.status === "lobby" && next.room.status === "in_game") lines.push("The game has started");
  if (previous.room.status !== "lobby" && next.room.status === "lobby") lines.push("The game is over");
  return lines;
}
