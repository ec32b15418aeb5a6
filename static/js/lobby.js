// The lobby page: live player list, ready toggle, host controls, connection indicator.
// State comes from the page (json_script) and then from the room socket; local changes
// are optimistic and reconciled with the server's acks and snapshots.
//
// Importing this module from elsewhere (e.g. a game page) only gives you the socket API.

import { hostNotice } from "./host-notice.js";
import { createOptimisticStore } from "./optimistic.js";
import { connectRoom, RoomNetworkError } from "./room-socket.js";
import {
  defaultSettings,
  el,
  readSettingsInputs,
  renderLastResult,
  renderPlayers,
  renderSettingsInputs,
  renderSettingsList,
  startReadiness,
} from "./lobby-view.js";

export { createOptimisticStore } from "./optimistic.js";
export { connectRoom, RoomNetworkError, RoomRequestError } from "./room-socket.js";

const CONFIRM_BROADCAST_MS = 2000;
const ALERT_MS = 6000;
const HOST_NOTICE_MS = 20000;

const CONNECTION_LABELS = {
  connected: "Connected",
  syncing: "Syncing…",
  offline: "Offline — reconnecting…",
  ended: "Disconnected",
};

const ENDED_TEXT = {
  removed: "The host removed you from the room, or you left it from another tab.",
  closed: "This room has closed.",
  unauthenticated: "Your seat in this room is no longer valid.",
  forbidden: "Your seat in this room is no longer valid.",
  "not-found": "This room no longer exists.",
};

function byId(id) {
  return document.getElementById(id);
}

function startLobby(data) {
  const myId = data.me.playerId;
  const games = new Map(data.games.map((game) => [game.slug, game]));
  const ui = {
    connection: byId("connection"),
    connectionLabel: byId("connection-label"),
    alerts: byId("alerts"),
    hostNotice: byId("host-notice"),
    players: byId("players"),
    count: byId("player-count"),
    ready: byId("ready-toggle"),
    readyHint: byId("ready-hint"),
    spectatorNote: byId("spectator-note"),
    hostGame: byId("host-game"),
    guestGame: byId("guest-game"),
    gameSelect: byId("game-select"),
    settings: byId("game-settings"),
    settingsFields: byId("game-settings-fields"),
    guestName: byId("guest-game-name"),
    guestSettings: byId("guest-game-settings"),
    description: byId("game-description"),
    start: byId("start-game"),
    startHint: byId("start-hint"),
    banner: byId("game-banner"),
    bannerText: byId("game-banner-text"),
    playLink: byId("play-link"),
    endGame: byId("end-game"),
    ended: byId("ended"),
    endedText: byId("ended-text"),
    rejoin: byId("rejoin-link"),
    main: byId("lobby-main"),
    result: byId("last-result"),
    resultSummary: byId("last-result-summary"),
    resultRanking: byId("last-result-ranking"),
    copy: byId("copy-link"),
    copyStatus: byId("copy-status"),
    link: byId("join-link"),
  };
  let armedKick = null;
  let armedTimer = null;
  let starting = false;
  let lastRecovery = 0;
  let serverState = data.state; // the last snapshot from the server, without local changes

  const store = createOptimisticStore({ state: data.state, version: data.version, onChange: render });

  const room = connectRoom({
    code: data.code,
    url: data.urls.socket,
    initialVersion: data.version,
    heartbeatMs: data.heartbeatMs,
    onState(state, update) {
      const graceSeconds = (update.changes || {}).hostGraceSeconds ?? data.hostGraceSeconds;
      showHostNotice(hostNotice(serverState, state, { myId, graceSeconds }));
      serverState = state;
      store.server(state, update.version);
      const launched = update.changes && Array.isArray(update.changes.players) ? update.changes.players : [];
      if (update.event === "game_started" && launched.includes(myId)) {
        window.location.assign(data.urls.play); // the server adds this player's own launch parameters
        return;
      }
      recoverIfMarkedAway(state);
    },
    onStatus: showConnection,
    onMessage(message) {
      const error = message.error || (message.type === "error" ? message : null);
      if (error && error.error) showAlert(error.error);
    },
    onEnd: showEnded,
  });

  function me(state = store.state) {
    return state.players.find((p) => p.id === myId);
  }

  function recoverIfMarkedAway(state) {
    // The server marked this seat gone (e.g. missed heartbeats) while our socket lives on:
    // a fresh socket re-registers the seat. At most every 10 s, so it can never loop fast.
    const mine = me(state);
    if (mine && !mine.isConnected && room.status === "connected" && Date.now() - lastRecovery > 10000) {
      lastRecovery = Date.now();
      room.reconnectNow();
    }
  }

  // -- rendering ---------------------------------------------------------------
  function render(state) {
    const mine = me(state);
    const amHost = mine?.role === "host";
    const amSpectator = mine?.role === "spectator";
    const game = games.get(state.room.currentGame) || null;

    renderPlayers(ui.players, state.players, { myId, amHost, armedKick });
    const playing = state.players.filter((p) => p.role !== "spectator").length;
    const watching = state.players.length - playing;
    ui.count.textContent =
      `${playing} / ${state.room.maxPlayers} players` + (watching ? ` · ${watching} watching` : "");

    ui.ready.hidden = ui.readyHint.hidden = amSpectator || !mine;
    ui.spectatorNote.hidden = !amSpectator;
    ui.ready.setAttribute("aria-pressed", String(Boolean(mine?.isReady)));
    ui.ready.disabled = state.room.status !== "lobby";

    ui.hostGame.hidden = !amHost;
    ui.guestGame.hidden = amHost;
    ui.start.hidden = !amHost;
    if (ui.gameSelect !== document.activeElement) ui.gameSelect.value = game ? game.slug : "";
    ui.gameSelect.disabled = state.room.status !== "lobby";
    ui.settings.hidden = !renderSettingsInputs(ui.settingsFields, game, state.room.settings);
    ui.settings.disabled = state.room.status !== "lobby";
    ui.guestName.textContent = game ? game.name : "The host hasn't picked a game yet.";
    renderSettingsList(ui.guestSettings, game, state.room.settings);
    ui.description.textContent = game ? game.description : "";

    const [canStart, hint] = startReadiness(state, game);
    ui.start.disabled = !canStart || starting;
    ui.start.textContent = starting ? "Starting…" : "Start game";
    ui.startHint.textContent = amHost ? hint : state.room.status === "lobby" ? "Waiting for the host to start." : "";

    const result = (state.room.metadata || {}).lastGameResult;
    ui.result.hidden = state.room.status !== "lobby" || !renderLastResult(ui.resultSummary, ui.resultRanking, result);

    const inGame = state.room.status !== "lobby";
    ui.banner.hidden = !inGame;
    if (inGame) {
      const name = game ? game.name : "A game";
      ui.bannerText.textContent =
        state.room.status === "returning" ? `${name} is ending; players are coming back.` : `${name} is in progress.`;
      ui.playLink.textContent = amSpectator ? "Watch the game" : "Join the game";
      ui.endGame.hidden = !amHost;
    }
  }

  function showConnection(status) {
    ui.connection.className = `conn conn--${status}`;
    ui.connectionLabel.textContent = CONNECTION_LABELS[status] || status;
  }

  let alertTimer = null;
  function showAlert(text) {
    ui.alerts.replaceChildren();
    const box = document.createElement("p");
    box.className = "alert alert--error";
    box.textContent = text;
    ui.alerts.append(box);
    clearTimeout(alertTimer);
    alertTimer = setTimeout(() => ui.alerts.replaceChildren(), ALERT_MS);
  }

  // The host role: "<name> disconnected — the host role passes in N s", then who has it now.
  let hostNoticeTimer = null;
  function showHostNotice(notice) {
    if (!notice) return;
    clearTimeout(hostNoticeTimer);
    ui.hostNotice.replaceChildren();
    if (notice.kind === "clear") return;
    const tone = notice.kind === "host-away" ? "warn" : "info";
    ui.hostNotice.append(el("p", { className: `alert alert--${tone}`, text: notice.text }));
    if (notice.kind === "new-host") {
      hostNoticeTimer = setTimeout(() => ui.hostNotice.replaceChildren(), HOST_NOTICE_MS);
    }
  }

  function showEnded({ reason }) {
    ui.endedText.textContent = ENDED_TEXT[reason] || "You're no longer connected to this room.";
    ui.rejoin.hidden = reason === "closed" || reason === "not-found";
    ui.ended.hidden = false;
    ui.main.hidden = true;
    ui.banner.hidden = true;
    ui.result.hidden = true;
    ui.ended.querySelector("h2").focus?.();
  }

  // -- actions -----------------------------------------------------------------
  // Apply locally, send, confirm on ack, revert on rejection or network error; if the
  // snapshot carrying the change is not here 2 s after the ack, ask the server.
  async function act(type, payload, change = null) {
    const requestId = room.newRequestId();
    if (change) store.apply(requestId, change);
    try {
      const ack = await room.request(type, payload, requestId);
      if (store.confirm(requestId, ack.version)) {
        setTimeout(() => {
          if (!store.isPending(requestId)) return;
          room
            .sync()
            .catch(() => {})
            .finally(() => store.drop(requestId));
        }, CONFIRM_BROADCAST_MS);
      }
      return ack;
    } catch (error) {
      store.drop(requestId);
      if (error instanceof RoomNetworkError) {
        showAlert("You're offline, so that change didn't go through. It will work again once you're back.");
      } else {
        showAlert(error.message);
        if (error.code === "STATE_CONFLICT") room.sync().catch(() => {});
      }
      return null;
    }
  }

  ui.ready.addEventListener("click", () => {
    const ready = !me()?.isReady;
    act("setReady", { ready }, (state) => {
      const mine = state.players.find((p) => p.id === myId);
      if (mine) mine.isReady = ready;
    });
  });

  function selectGame(slug, settings) {
    act("selectGame", { game: slug, settings }, (state) => {
      state.room.currentGame = slug;
      state.room.settings = settings;
    });
  }

  ui.gameSelect.addEventListener("change", () => {
    const game = games.get(ui.gameSelect.value);
    if (game) selectGame(game.slug, defaultSettings(game));
  });

  ui.settingsFields.addEventListener("change", () => {
    // Read the inputs now: a snapshot arriving a moment later re-renders them.
    const game = games.get(store.state.room.currentGame);
    if (game) selectGame(game.slug, readSettingsInputs(ui.settingsFields, game));
  });

  ui.start.addEventListener("click", async () => {
    starting = true;
    render(store.state);
    await act("startGame", {});
    starting = false;
    render(store.state);
  });

  ui.endGame.addEventListener("click", () => act("endGame", {}));

  ui.players.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const target = button.dataset.playerId;
    if (button.dataset.action === "transferHost") {
      act("transferHost", { playerId: target }, (state) => {
        for (const p of state.players) {
          if (p.id === target) Object.assign(p, { role: "host", isHost: true });
          else if (p.role === "host") Object.assign(p, { role: "player", isHost: false });
        }
        state.room.hostId = target;
      });
    } else if (button.dataset.action === "kick") {
      // Two steps, so a stray tap never removes anyone.
      if (armedKick !== target) {
        armedKick = target;
        clearTimeout(armedTimer);
        armedTimer = setTimeout(() => {
          armedKick = null;
          render(store.state);
        }, 4000);
        render(store.state);
        return;
      }
      armedKick = null;
      act("kick", { playerId: target }, (state) => {
        state.players = state.players.filter((p) => p.id !== target);
      });
    }
  });

  ui.copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(ui.link.value);
      ui.copyStatus.textContent = "Link copied. Send it to your friends!";
    } catch {
      ui.link.select();
      ui.copyStatus.textContent = "Press Ctrl+C (or ⌘C) to copy the selected link.";
    }
  });
  ui.link.addEventListener("focus", () => ui.link.select());

  showConnection("syncing");
  render(store.state);
  // For tests and debugging: the live socket and store of this page.
  window.gameBuddiesLobby = { room, store };
}

const dataElement = document.getElementById("lobby-data");
if (dataElement) startLobby(JSON.parse(dataElement.textContent));
