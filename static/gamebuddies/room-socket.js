// A live connection to one GameBuddies room: the lobby page and the browser game SDK
// (sdk.js) both use it. Public, like sdk.js; no dependencies beyond ui.js, no build step.
//
//   const room = connectRoom({ code: "K7Q2MX", onState(state, update) { ... } });
//   const ack = await room.request("setReady", { ready: true });
//
// What it does for you:
// - authenticates (the same-origin cookie, or `token` sent as the first message),
// - answers every request with a Promise settled by the server's `ack`,
// - orders snapshots by version: older ones are ignored, a gap triggers `sync`,
// - reconnects by itself with exponential backoff and jitter, then syncs from the
//   last version it knew, so a page that was offline catches up without a reload,
// - sends heartbeat pings and treats a socket that stays silent as dead (browsers keep
//   dead sockets "open" for minutes after the network goes away). While the page is
//   visible it pings every few seconds (`livenessMs`) and any message from the server
//   counts as a sign of life, so a silently dead path is noticed within ~8 s; a hidden
//   page pings at `heartbeatMs` only (its timers are throttled anyway).

import { backoffDelay, RefusalError } from "./ui.js";

// Close codes after which reconnecting cannot help: the seat or the room is gone.
const TERMINAL_CLOSES = new Map([
  [4401, "unauthenticated"],
  [4403, "forbidden"],
  [4003, "removed"],
  [4404, "not-found"],
  [4410, "closed"],
  // This seat opened more sockets than the server keeps (other tabs); this was the oldest.
  // Reconnecting would only push another tab out in turn.
  [4409, "superseded"],
]);
const RATE_LIMITED_CLOSE = 4429;

export class RoomRequestError extends RefusalError {
  // The server answered the request with `success: false`.
  constructor(ack) {
    super(ack.error, { message: "Request failed", code: "UNKNOWN" });
    this.name = "RoomRequestError";
    this.ack = ack;
  }
}

export class RoomNetworkError extends Error {
  // The request never got an answer: offline, socket closed, or no ack in time.
  constructor(reason) {
    super(`No answer from the server (${reason})`);
    this.name = "RoomNetworkError";
    this.code = "NETWORK_ERROR";
    this.reason = reason;
  }
}

/**
 * The room socket's address: `/ws/rooms/<CODE>/` where GameBuddies is (`origin`, by default
 * this page's), ws: or wss: as that is http: or https:; a game client says so in the query.
 */
export function roomSocketUrl(code, { origin = window.location.href, client = "lobby" } = {}) {
  const target = new URL(`/ws/rooms/${encodeURIComponent(code)}/`, origin);
  if (target.protocol === "http:") target.protocol = "ws:";
  if (target.protocol === "https:") target.protocol = "wss:";
  if (client === "game") target.searchParams.set("client", "game");
  return target.toString();
}

export function connectRoom({
  code,
  token = null,
  origin, // where GameBuddies is, when not this page's origin (roomSocketUrl)
  client = "lobby",
  initialVersion = 0,
  heartbeatMs = 15000,
  livenessMs = 4000,
  connectTimeoutMs = 4000,
  ackTimeoutMs = 8000,
  backoffBaseMs = 300,
  backoffMaxMs = 4000,
  onState = () => {},
  onStatus = () => {},
  onMessage = () => {},
  onEnd = () => {},
} = {}) {
  let socket = null;
  let version = initialVersion;
  let status = "";
  let ended = false;
  let attempt = 0;
  let minDelayMs = 0;
  let reconnectTimer = null;
  let heartbeatTimer = null;
  let pongTimer = null;
  let connectTimer = null;
  let syncing = null;
  let sequence = 0;
  const pending = new Map(); // requestId -> { resolve, reject, timer }

  function setStatus(next) {
    if (status !== next) {
      status = next;
      onStatus(next);
    }
  }

  function open() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (ended) return;
    // A page that lost its connection keeps saying so ("Reconnecting…") until it is caught up.
    if (status !== "offline") setStatus("syncing");
    let ws;
    try {
      ws = new WebSocket(roomSocketUrl(code, { origin, client }));
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    // A connection attempt into a dead network can hang for a long time: give up on it and
    // try again, so the page is back within seconds of the network's return.
    let opened = false;
    clearTimeout(connectTimer);
    connectTimer = setTimeout(() => {
      if (ws !== socket || opened) return;
      dropSocket("connect timeout");
      setStatus("offline");
      scheduleReconnect();
    }, connectTimeoutMs);
    ws.onopen = () => {
      opened = true;
      clearTimeout(connectTimer);
      if (ws === socket) handleOpen();
    };
    ws.onmessage = (event) => {
      if (ws === socket) handleText(event.data);
    };
    ws.onclose = (event) => {
      if (ws === socket) handleClose(event.code);
    };
  }

  async function handleOpen() {
    startHeartbeat();
    try {
      if (token) await request("auth", { token });
      await sync();
      attempt = 0;
      minDelayMs = 0;
      setStatus("connected");
    } catch {
      // The socket closed meanwhile; handleClose schedules the next attempt.
    }
  }

  function handleText(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (!message || typeof message !== "object") return;
    // Any message proves the socket is alive, not only a pong.
    clearTimeout(pongTimer);
    pongTimer = null;
    if (message.type === "roomStateUpdate") {
      handleSnapshot(message);
    } else if (message.type === "ack") {
      settle(message);
    } else if (message.type === "pong") {
      // handled above: the socket is alive
    } else {
      if (message.type === "error" && message.retryAfter) minDelayMs = message.retryAfter * 1000;
      onMessage(message);
    }
  }

  function handleSnapshot(update) {
    if (typeof update.version !== "number" || update.version <= version) return; // stale or duplicate
    const gap = version > 0 && update.version > version + 1;
    version = update.version;
    onState(update.state, update);
    if (gap) sync().catch(() => {}); // a full snapshot, but we missed changes: confirm with the server
  }

  function settle(ack) {
    const entry = pending.get(ack.requestId);
    if (!entry) {
      // Answers to nobody: e.g. RATE_LIMITED before a close.
      if (!ack.success) {
        if (ack.error && ack.error.retryAfter) minDelayMs = ack.error.retryAfter * 1000;
        onMessage(ack);
      }
      return;
    }
    pending.delete(ack.requestId);
    clearTimeout(entry.timer);
    if (ack.success) entry.resolve(ack);
    else entry.reject(new RoomRequestError(ack));
  }

  function handleClose(code) {
    socket = null;
    clearTimeout(connectTimer);
    stopHeartbeat();
    failPending("closed");
    if (TERMINAL_CLOSES.has(code)) {
      ended = true;
      setStatus("ended");
      onEnd({ code, reason: TERMINAL_CLOSES.get(code) });
      return;
    }
    if (code === RATE_LIMITED_CLOSE) minDelayMs = Math.max(minDelayMs, 2000);
    setStatus("offline");
    scheduleReconnect();
  }

  function failPending(reason) {
    for (const [requestId, entry] of pending) {
      clearTimeout(entry.timer);
      pending.delete(requestId);
      entry.reject(new RoomNetworkError(reason));
    }
  }

  function scheduleReconnect() {
    if (ended || reconnectTimer) return;
    const delay = Math.max(minDelayMs, backoffDelay(attempt, { baseMs: backoffBaseMs, maxMs: backoffMaxMs }));
    attempt += 1;
    reconnectTimer = setTimeout(open, delay);
  }

  function dropSocket(reason) {
    // Give up on a socket we believe is dead and start over now.
    const ws = socket;
    socket = null;
    stopHeartbeat();
    failPending(reason);
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      try {
        ws.close(4000, reason);
      } catch {
        // already closing
      }
    }
  }

  function pageVisible() {
    return typeof document === "undefined" || document.visibilityState !== "hidden";
  }

  function pingEveryMs() {
    return pageVisible() ? Math.min(heartbeatMs, livenessMs) : heartbeatMs;
  }

  function startHeartbeat() {
    stopHeartbeat();
    heartbeatTimer = setInterval(ping, pingEveryMs());
  }

  function stopHeartbeat() {
    clearInterval(heartbeatTimer);
    clearTimeout(pongTimer);
    heartbeatTimer = pongTimer = null;
  }

  function ping(timeoutMs = Math.min(pingEveryMs(), 5000)) {
    if (!socket || socket.readyState !== WebSocket.OPEN || pongTimer) return;
    pongTimer = setTimeout(() => {
      pongTimer = null;
      dropSocket("no pong");
      setStatus("offline"); // "Reconnecting…" at once, before the new socket is tried
      attempt = 0;
      open();
    }, timeoutMs);
    request("ping").catch(() => {});
  }

  function newRequestId() {
    sequence += 1;
    return `r${Date.now().toString(36)}${sequence.toString(36)}`;
  }

  function request(type, data = {}, requestId = newRequestId()) {
    return new Promise((resolve, reject) => {
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        reject(new RoomNetworkError("offline"));
        return;
      }
      const timer = setTimeout(() => {
        pending.delete(requestId);
        reject(new RoomNetworkError("timeout"));
      }, ackTimeoutMs);
      pending.set(requestId, { resolve, reject, timer });
      socket.send(JSON.stringify({ ...data, type, requestId }));
    });
  }

  function sync() {
    // One sync at a time; the server answers with a snapshot only if it is ahead of us.
    if (!syncing) {
      const previous = status;
      if (previous === "connected") setStatus("syncing");
      syncing = request("sync", { lastKnownVersion: version }).finally(() => {
        syncing = null;
      });
      syncing.then(
        () => previous === "connected" && socket && setStatus("connected"),
        () => {},
      );
    }
    return syncing;
  }

  function reconnectNow() {
    if (ended) return;
    dropSocket("reconnect");
    attempt = 0;
    open();
  }

  // The browser knows when the network interface goes away or comes back.
  function onOffline() {
    if (ended) return;
    dropSocket("offline");
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    setStatus("offline");
  }
  function onOnline() {
    if (!ended && !socket) {
      attempt = 0;
      open();
    }
  }
  function onVisible() {
    // Timers are throttled in background tabs: check the socket as soon as the page is seen.
    if (ended) return;
    if (socket && socket.readyState === WebSocket.OPEN) startHeartbeat(); // the period depends on visibility
    if (document.visibilityState === "visible") {
      if (socket) ping(3000);
      else onOnline();
    }
  }
  window.addEventListener("offline", onOffline);
  window.addEventListener("online", onOnline);
  document.addEventListener("visibilitychange", onVisible);

  function close() {
    ended = true;
    window.removeEventListener("offline", onOffline);
    window.removeEventListener("online", onOnline);
    document.removeEventListener("visibilitychange", onVisible);
    clearTimeout(reconnectTimer);
    clearTimeout(connectTimer);
    dropSocket("closed by page");
    setStatus("ended");
  }

  open();

  return {
    request,
    newRequestId,
    sync,
    reconnectNow,
    close,
    get version() {
      return version;
    },
    get status() {
      return status;
    },
  };
}
