// GameBuddies browser SDK for game pages. One ES module, no dependencies, no build step.
//
//   import { GameBuddies } from "https://<gamebuddies>/static/gamebuddies/sdk.js";
//   const gb = GameBuddies.fromLaunch();          // reads ?roomCode&playerId&sessionToken&role&returnUrl
//   gb.on("players", (inGame) => showRoster(inGame));
//   gb.on("gameEnd", (result) => showFinalScores(result)); // then it returns everyone to the lobby
//   await gb.connect();                            // resolves with the first room snapshot
//   await gb.reportProgress({ round: 2 });         // your status, acknowledged by the server ({ ended: true } once the game is over)
//   gb.returnToLobby();
//
// The socket layer (auth by token, acks, version-ordered snapshots with sync on gaps,
// heartbeats with dead-socket detection, reconnect with backoff + jitter, then sync) is
// room-socket.js beside this file, which the lobby imports too, so both speak the protocol
// identically. This module and what it imports are public: nothing from /static/js/.

import { connectRoom, RoomNetworkError, RoomRequestError } from "./room-socket.js";

export { RoomNetworkError, RoomRequestError };

export const LAUNCH_PARAMS = ["roomCode", "playerId", "sessionToken", "role", "returnUrl"];
const STORAGE_KEY = "gamebuddies:launch";
// The platform is where this module was loaded from (also for games hosted elsewhere).
const PLATFORM_ORIGIN = new URL(import.meta.url).origin;

export class LaunchError extends Error {
  constructor(message) {
    super(message);
    this.name = "LaunchError";
  }
}

function readStored() {
  try {
    return JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || "null");
  } catch {
    return null; // storage disabled (private mode, sandboxed frame)
  }
}

function store(params) {
  try {
    window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(params));
  } catch {
    // Without storage a reload cannot recover the token; the game still works until then.
  }
}

/**
 * The launch parameters of this page: from the query string, or (after a reload, once the
 * token was removed from the address bar) from this tab's sessionStorage.
 * With `stripToken` (default) the session token is removed from the visible URL and history,
 * so it does not leak through screenshots, shared links or the Referer header.
 */
export function readLaunchParams({ location = window.location, stripToken = true } = {}) {
  const query = new URLSearchParams(location.search);
  const fromUrl = Object.fromEntries(LAUNCH_PARAMS.map((name) => [name, query.get(name) || ""]));
  const stored = readStored();
  let params = fromUrl;
  if (!fromUrl.sessionToken && stored && (!fromUrl.roomCode || stored.roomCode === fromUrl.roomCode.toUpperCase())) {
    params = { ...stored, ...Object.fromEntries(Object.entries(fromUrl).filter(([, v]) => v)) };
    params.sessionToken = stored.sessionToken;
  }
  params.roomCode = (params.roomCode || "").toUpperCase();
  if (!params.roomCode || !params.playerId || !params.sessionToken) {
    throw new LaunchError("Open this game from a GameBuddies lobby: the launch parameters are missing.");
  }
  store(params);
  if (stripToken && query.has("sessionToken") && window.history && location === window.location) {
    query.delete("sessionToken");
    const rest = query.toString();
    window.history.replaceState(window.history.state, "", `${location.pathname}${rest ? `?${rest}` : ""}${location.hash}`);
  }
  return params;
}

/** The lobby URL to go back to: `returnUrl` only when it points at the platform (no open redirect). */
export function safeReturnUrl(returnUrl, roomCode, platformOrigin = PLATFORM_ORIGIN) {
  try {
    const target = new URL(returnUrl, platformOrigin);
    if ((target.protocol === "https:" || target.protocol === "http:") && target.origin === platformOrigin) {
      return target.toString();
    }
  } catch {
    // fall through to the room's lobby
  }
  return new URL(`/rooms/${encodeURIComponent(roomCode)}/`, platformOrigin).toString();
}

export class GameBuddies {
  /** A client for this page's launch parameters (see readLaunchParams). */
  static fromLaunch(options = {}) {
    return new GameBuddies({ ...readLaunchParams(options), ...options });
  }

  constructor({
    roomCode,
    playerId,
    sessionToken,
    role = "player",
    returnUrl = "",
    platformUrl = PLATFORM_ORIGIN,
    heartbeatMs = 15000,
    autoReturn = true,
    returnDelayMs = 4000,
  }) {
    if (!roomCode || !playerId || !sessionToken) throw new LaunchError("roomCode, playerId and sessionToken are required");
    this.roomCode = roomCode.toUpperCase();
    this.playerId = playerId;
    this.role = role;
    this.platformOrigin = new URL(platformUrl).origin;
    this.returnUrl = safeReturnUrl(returnUrl, this.roomCode, this.platformOrigin);
    this.autoReturn = autoReturn;
    this.returnDelayMs = returnDelayMs;
    this.state = null; // { room, players } from the latest snapshot
    this.version = 0;
    this.connection = "idle"; // syncing | connected | offline | ended
    this._token = sessionToken;
    this._heartbeatMs = heartbeatMs;
    this._handlers = new Map();
    this._room = null;
    this._returning = false;
    this._gameEnded = false;
  }

  /** Subscribe to "state", "players", "me", "connection", "gameEnd", "ended"; returns an unsubscribe function. */
  on(event, handler) {
    if (!this._handlers.has(event)) this._handlers.set(event, new Set());
    this._handlers.get(event).add(handler);
    return () => this._handlers.get(event).delete(handler);
  }

  _emit(event, detail) {
    for (const handler of this._handlers.get(event) || []) {
      try {
        handler(detail, this);
      } catch (error) {
        console.error(`GameBuddies "${event}" handler failed`, error); // one bad handler must not stop the rest
      }
    }
  }

  /** Open the room socket (as a game client). Resolves with the first snapshot. */
  connect() {
    if (this._room) return this._ready;
    this._ready = new Promise((resolve, reject) => {
      this._resolveReady = resolve;
      this._rejectReady = reject;
    });
    this._room = connectRoom({
      code: this.roomCode,
      origin: this.platformOrigin,
      token: this._token,
      client: "game",
      heartbeatMs: this._heartbeatMs,
      onState: (state, update) => this._onState(state, update),
      onStatus: (status) => {
        this.connection = status;
        this._emit("connection", status);
      },
      onEnd: (info) => {
        this._emit("ended", info);
        this._rejectReady(new LaunchError(`The room refused this session (${info.reason}).`));
      },
    });
    return this._ready;
  }

  _onState(state, update) {
    const previous = this.state;
    this.state = state;
    this.version = update.version;
    this._emit("state", { state, update });
    this._emit("players", this.playersInGame);
    this._emit("me", this.me);
    this._resolveReady(state);
    const status = state.room.status;
    const wasPlaying = !previous || previous.room.status !== "lobby";
    // The game is over (ended by this game's server, the host, or before we arrived).
    if (status === "lobby" && wasPlaying) this._endGame();
  }

  /** True once the game is over here: `gameEnd` was emitted and progress reports are no longer sent. */
  get gameEnded() {
    return this._gameEnded;
  }

  _endGame() {
    if (this._gameEnded) return;
    this._gameEnded = true;
    this._emit("gameEnd", this.room?.metadata?.lastGameResult || null);
    if (this.autoReturn) setTimeout(() => this.returnToLobby({ reportStatus: false }), this.returnDelayMs);
  }

  async _gameOverOnServer() {
    // The server refused a report because the room is not in a game (ROOM_NOT_IN_GAME): the game
    // ended before its snapshot reached us. Catch up (the snapshot brings the result), then end here.
    await this.sync().catch(() => {});
    this._endGame();
  }

  /** Everyone in the room (the standard snapshot's players). */
  get players() {
    return this.state ? this.state.players : [];
  }

  /** Players still in the game: connected and located in the game. */
  get playersInGame() {
    return this.players.filter((p) => p.isConnected && p.currentLocation === "game");
  }

  get me() {
    return this.players.find((p) => p.id === this.playerId) || null;
  }

  get room() {
    return this.state ? this.state.room : null;
  }

  get isHost() {
    return Boolean(this.me?.isHost);
  }

  /** The player's session token, for your game's own server (which validates it; see docs). */
  get sessionToken() {
    return this._token;
  }

  get isSpectator() {
    return (this.me?.role || this.role) === "spectator";
  }

  /**
   * Report this player's status; resolves with the server's ack ({version}) or rejects with
   * RoomRequestError (e.g. code STATE_CONFLICT, ack.currentState) or RoomNetworkError.
   * `metadata` is merged into the player's gameData, which every client sees in snapshots.
   * A report that would put the player in the game while the room is not in one is refused
   * (code ROOM_NOT_IN_GAME); the SDK then treats the game as over (`gameEnd`).
   */
  updateStatus(status, { location, metadata, expectedVersion } = {}) {
    if (!this._room) return Promise.reject(new RoomNetworkError("not connected"));
    const message = { status };
    if (location) message.location = location;
    if (metadata) message.metadata = metadata;
    if (expectedVersion !== undefined) message.expectedVersion = expectedVersion;
    return this._room.request("updateStatus", message).catch(async (error) => {
      if (error.code === "ROOM_NOT_IN_GAME") await this._gameOverOnServer();
      throw error;
    });
  }

  /**
   * Shortcut: "I am in the game" plus what others may show about me (round, score...).
   * Once the game is over nothing is sent: resolves with `{ ended: true }`. A report the server
   * refuses because the game has just ended (ROOM_NOT_IN_GAME: it crossed the game's end on
   * the way) resolves the same way, after `gameEnd`; it is the end of the game, not an error.
   */
  async reportProgress(metadata = {}) {
    if (this._gameEnded) return { ended: true };
    try {
      return await this.updateStatus("in_game", { location: "game", metadata });
    } catch (error) {
      if (error.code === "ROOM_NOT_IN_GAME") return { ended: true };
      throw error;
    }
  }

  /** Ask the server for the latest snapshot now (it also happens by itself after gaps and reconnects). */
  sync() {
    return this._room ? this._room.sync() : Promise.reject(new RoomNetworkError("not connected"));
  }

  /**
   * Go back to the lobby. A player leaving a running game (or one waiting for its players to
   * return) is first reported as back in the lobby (best effort, at most `timeoutMs`), so the
   * game stops waiting for them.
   */
  async returnToLobby({ reportStatus = true, timeoutMs = 1500 } = {}) {
    if (this._returning) return;
    this._returning = true;
    const playing = this.room?.status === "in_game" || this.room?.status === "returning";
    if (reportStatus && this._room && playing && this.me?.currentLocation === "game") {
      const timeout = new Promise((resolve) => setTimeout(resolve, timeoutMs));
      await Promise.race([this.updateStatus("returning", { location: "lobby" }).catch(() => {}), timeout]);
    }
    this.disconnect();
    window.location.assign(this.returnUrl);
  }

  /** Close the socket for good (no reconnects). */
  disconnect() {
    if (this._room) this._room.close();
  }
}
