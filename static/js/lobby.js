// The lobby page: live player list, ready toggle, host controls, connection indicator.
// State comes from the page (json_script) and then from the room socket; local changes
// are optimistic and reconciled with the server's acks and snapshots.
//
// Importing this module from elsewhere (e.g. a game page) only gives you the socket API.

import { hostNotice } from "./host-notice.js";
import { createOptimisticStore } from "./optimistic.js";
import { roomChanges } from "./room-changes.js";
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
const ANNOUNCE_SETTLE_MS = 400; // changes this close together are read out as one announcement

const CONNECTION_LABELS = {
  connected: "Connected",
  syncing: "Syncing…",
  offline: "Reconnecting…",
  ended: "Disconnected",
};

// Each end of a seat says what happened and offers one way on (issue 22 #5).
// `rejoin`: the way on is this room's join page (the seat expired, the room is still there).
const ENDED = {
  kicked: { title: "You were removed from this room", text: "The host removed you from room {code}." },
  left: { title: "You left this room", text: "You left room {code} in another tab or window." },
  closed: { title: "This room has closed", text: "Room {code} has closed. Ask for a new code, or start a room of your own." },
  "not-found": { title: "This room no longer exists", text: "Room {code} is gone. Ask for a new code, or start a room of your own." },
  unauthenticated: {
    title: "Your seat has expired",
    text: "Your seat in room {code} is no longer valid. Join again to get a new one.",
    rejoin: true,
  },
};
ENDED.removed = ENDED.kicked; // a 4003 close without the snapshot that says how
ENDED.forbidden = ENDED.unauthenticated;

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
    youNote: byId("you-note"),
    spectatorNote: byId("spectator-note"),
    actionBar: byId("action-bar"),
    announcer: byId("room-announcer"),
    share: document.querySelector(".room-bar__share"),
    leaveForm: byId("leave-form"),
    leaveDialog: byId("leave-dialog"),
    leaveDialogText: byId("leave-dialog-text"),
    leaveConfirm: byId("leave-confirm"),
    leaveCancel: byId("leave-cancel"),
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
    endedTitle: byId("ended-title"),
    endedText: byId("ended-text"),
    home: byId("home-link"),
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
  let myDeparture = null; // "kicked" or "left", from the snapshot that removed this seat

  const store = createOptimisticStore({ state: data.state, version: data.version, onChange: render });

  const room = connectRoom({
    code: data.code,
    url: data.urls.socket,
    initialVersion: data.version,
    heartbeatMs: data.heartbeatMs,
    onState(state, update) {
      const changes = update.changes || {};
      const graceSeconds = changes.hostGraceSeconds ?? data.hostGraceSeconds;
      showHostNotice(hostNotice(serverState, state, { myId, graceSeconds }));
      announce(roomChanges(serverState, state, { myId, games }));
      if (changes.playerId === myId && update.event === "player_kicked") myDeparture = "kicked";
      if (changes.playerId === myId && update.event === "player_left") myDeparture = "left";
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

    const inLobby = state.room.status === "lobby";
    ui.ready.hidden = amSpectator || !mine || !inLobby;
    ui.youNote.hidden = amSpectator;
    ui.youNote.textContent = amHost
      ? "You're the host: pick a game below and start it when everyone is ready."
      : "Press Ready when you're set to play; the host starts the game.";
    ui.spectatorNote.hidden = !amSpectator;
    ui.ready.setAttribute("aria-pressed", String(Boolean(mine?.isReady)));

    ui.hostGame.hidden = !amHost;
    ui.guestGame.hidden = amHost;
    ui.start.hidden = !amHost || !inLobby;
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
    ui.startHint.textContent = actionHint({ state, mine, amHost, amSpectator, hint });

    const result = (state.room.metadata || {}).lastGameResult;
    ui.result.hidden = state.room.status !== "lobby" || !renderLastResult(ui.resultSummary, ui.resultRanking, result);

    // One rule for late joiners, said the same on the join page: a running game can be
    // joined from here at any time (or they wait here for the next one).
    const inGame = !inLobby;
    ui.banner.hidden = !inGame;
    ui.playLink.hidden = state.room.status !== "in_game";
    if (inGame) {
      const name = game ? game.name : "A game";
      ui.bannerText.textContent =
        state.room.status === "returning"
          ? `${name} is ending; players are coming back.`
          : `${name} is in progress: ${amSpectator ? "watch it" : "join in"} now, or wait here for the next game.`;
      ui.playLink.textContent = amSpectator ? "Watch the game" : "Join the game";
      ui.endGame.hidden = !amHost;
    }
  }

  // The line under the bar's buttons: what this person can do next.
  function actionHint({ state, mine, amHost, amSpectator, hint }) {
    if (!mine) return "";
    if (state.room.status === "returning") return "The game is ending; everyone is coming back.";
    if (state.room.status !== "lobby") return "";
    if (amHost) return hint;
    if (amSpectator) return "You're watching. Waiting for the host to start.";
    return mine.isReady ? "You're ready. Waiting for the host to start." : "Tell the host you're set to play.";
  }

  // Polite, and only for changes in the room: a burst of snapshots is read as one message.
  let announceTimer = null;
  let announceQueue = [];
  function announce(lines) {
    if (!lines.length) return;
    announceQueue.push(...lines);
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => {
      ui.announcer.textContent = announceQueue.join(". ") + ".";
      announceQueue = [];
    }, ANNOUNCE_SETTLE_MS);
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
    const why = (reason === "removed" && myDeparture) || reason;
    const ending = ENDED[why] || {
      title: "You're no longer in this room",
      text: "You're no longer connected to room {code}.",
    };
    ui.endedTitle.textContent = ending.title;
    ui.endedText.textContent = ending.text.replace("{code}", data.code);
    // One way on: the join page when the room is still there for you, else the home page.
    ui.rejoin.hidden = !ending.rejoin;
    ui.home.hidden = Boolean(ending.rejoin);
    ui.ended.hidden = false;
    // Nothing of the room stays on offer: no invite link, no buttons that cannot work.
    for (const part of [ui.main, ui.banner, ui.result, ui.actionBar, ui.share, ui.alerts, ui.hostNotice]) part.hidden = true;
    document.body.classList.add("body--ended");
    if (ui.leaveDialog.open) ui.leaveDialog.close();
    ui.endedTitle.focus?.();
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

  // Leaving asks first (issue 22 #5); without this script the form simply posts.
  ui.leaveForm.addEventListener("submit", (event) => {
    if (ui.leaveDialog.open || typeof ui.leaveDialog.showModal !== "function") return;
    event.preventDefault();
    const mine = me();
    const others = store.state.players.filter((p) => p.id !== myId && p.isConnected);
    ui.leaveDialogText.textContent =
      mine?.role === "host" && others.length
        ? "You're the host: the host role passes to another player. To play again you join like a new player."
        : "Your seat goes: to play again you join the room like a new player.";
    ui.leaveDialog.showModal();
    ui.leaveCancel.focus();
  });
  ui.leaveConfirm.addEventListener("click", () => {
    ui.leaveConfirm.disabled = true;
    ui.leaveForm.submit();
  });
  ui.leaveCancel.addEventListener("click", () => ui.leaveDialog.close());

  // Phones show the start of a long invite link: keep its end, the room code, in view.
  function showLinkEnd() {
    if (document.activeElement !== ui.link) ui.link.scrollLeft = ui.link.scrollWidth;
  }
  window.addEventListener("resize", showLinkEnd);
  showLinkEnd();

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
