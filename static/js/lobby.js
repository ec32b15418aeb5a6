// The lobby page: live player list, ready toggle, host controls, connection indicator.
// State comes from the page (json_script) and then from the room socket; local changes
// are optimistic and reconciled with the server's acks and snapshots.
//
// A module only: lobby-page.js starts it on the lobby page.

import { connectRoom, RoomNetworkError } from "../gamebuddies/room-socket.js";
import { el, showConnection as showConnectionStatus } from "../gamebuddies/ui.js";
import { startChat } from "./chat.js";
import { hostNotice } from "./host-notice.js";
import { t } from "./i18n.js";
import { startInvite } from "./invite.js";
import { createOptimisticStore } from "./optimistic.js";
import { roomChanges } from "./room-changes.js";
import {
  defaultSettings,
  readSettingsInputs,
  renderLastResult,
  renderPlayers,
  renderSettingsInputs,
  renderSettingsList,
  startReadiness,
} from "./lobby-view.js";

const CONFIRM_BROADCAST_MS = 2000;
const ALERT_MS = 6000;
const HOST_NOTICE_MS = 20000;
const ANNOUNCE_SETTLE_MS = 400; // changes this close together are read out as one announcement

// Each end of a seat says what happened and offers one way on (issue 22 #5).
// `rejoin`: the way on is this room's join page (the seat expired, the room is still there).
const ENDED = {
  kicked: { title: "You were removed from this room", text: "The host removed you from room {code}." },
  left: { title: "You left this room", text: "You left room {code} in another tab or window." },
  closed: {
    title: "This room has closed",
    text: "Room {code} has closed. Ask for a new code, or start a room of your own.",
  },
  "not-found": {
    title: "This room no longer exists",
    text: "Room {code} is gone. Ask for a new code, or start a room of your own.",
  },
  unauthenticated: {
    title: "Your seat has expired",
    text: "Your seat in room {code} is no longer valid. Join again to get a new one.",
    rejoin: true,
  },
};
ENDED.removed = ENDED.kicked; // a 4003 close without the snapshot that says how
ENDED.forbidden = ENDED.unauthenticated;

// The server's message for a refused request, in the page's language when the page knows
// its code (the table comes from gamebuddies/ui_strings.py); otherwise as sent.
function errorText(error) {
  const known = error.code && t(`error:${error.code}`);
  return known && known !== `error:${error.code}` ? known : error.message;
}

const AVATAR_KEY = "gamebuddies:avatar";

function rememberAvatar(change) {
  try {
    const saved = JSON.parse(window.localStorage.getItem(AVATAR_KEY) || "{}");
    window.localStorage.setItem(AVATAR_KEY, JSON.stringify({ ...saved, ...change }));
  } catch {
    // storage disabled: not remembered, nothing breaks
  }
}

function byId(id) {
  return document.getElementById(id);
}

/** Run the lobby on this page; `data` is the page's lobby-data (rooms/views.py). */
export function startLobby(data) {
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
    playAgain: byId("play-again"),
    avatarPicker: byId("avatar-picker"),
  };
  let armedKick = null;
  let armedTimer = null;
  let starting = false;
  let lastRecovery = 0;
  let serverState = data.state; // the last snapshot from the server, without local changes
  let chat = null; // lobby chat (chat.js) and invite/public switch (invite.js), started below
  let invite = null;
  let myDeparture = null; // "kicked" or "left", from the snapshot that removed this seat

  const store = createOptimisticStore({ state: data.state, version: data.version, onChange: render });

  const room = connectRoom({
    code: data.code,
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
    onStatus(status) {
      showConnection(status);
      chat?.onStatus(status);
    },
    onMessage(message) {
      if (chat?.handle(message)) return;
      const error = message.error || (message.type === "error" ? message : null);
      if (error && error.error) showAlert(errorText({ code: error.code, message: error.error }));
    },
    onEnd: showEnded,
  });

  chat = startChat({ room, myId, showAlert });
  invite = startInvite({ room, myId, link: ui.link, showAlert });

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
    invite?.render(state);
    chat?.render(state);
    const playing = state.players.filter((p) => p.role !== "spectator").length;
    const watching = state.players.length - playing;
    ui.count.textContent =
      t("{count} / {max} players", { count: playing, max: state.room.maxPlayers }) +
      (watching ? t(" · {count} watching", { count: watching }) : "");

    const inLobby = state.room.status === "lobby";
    ui.ready.hidden = amSpectator || !mine || !inLobby;
    ui.youNote.hidden = amSpectator;
    ui.youNote.textContent = amHost
      ? t("You're the host: pick a game below and start it when everyone is ready.")
      : t("Press Ready when you're set to play; the host starts the game.");
    ui.spectatorNote.hidden = !amSpectator;
    ui.ready.setAttribute("aria-pressed", String(Boolean(mine?.isReady)));

    ui.hostGame.hidden = !amHost;
    ui.guestGame.hidden = amHost;
    ui.start.hidden = !amHost || !inLobby;
    if (ui.gameSelect !== document.activeElement) ui.gameSelect.value = game ? game.slug : "";
    ui.gameSelect.disabled = state.room.status !== "lobby";
    ui.settings.hidden = !renderSettingsInputs(ui.settingsFields, game, state.room.settings);
    ui.settings.disabled = state.room.status !== "lobby";
    ui.guestName.textContent = game ? game.name : t("The host hasn't picked a game yet.");
    renderSettingsList(ui.guestSettings, game, state.room.settings);
    ui.description.textContent = game ? game.description : "";

    const [canStart, hint] = startReadiness(state, game);
    ui.start.disabled = !canStart || starting;
    ui.start.textContent = starting ? t("Starting…") : t("Start game");
    // Play again: the last game with its settings, once one has ended (rooms.services.game_play_again).
    const last = (state.room.metadata || {}).lastGame;
    ui.playAgain.hidden =
      !amHost || !inLobby || !last || !games.has(last.game) || !(state.room.metadata || {}).gameEndedAt;
    ui.playAgain.disabled = starting;
    if (last && games.has(last.game)) {
      ui.playAgain.setAttribute("aria-label", t("Play again: {game}", { game: games.get(last.game).name }));
    }
    renderAvatarPicker(mine);
    ui.startHint.textContent = actionHint({ state, mine, amHost, amSpectator, hint });

    const result = (state.room.metadata || {}).lastGameResult;
    ui.result.hidden = state.room.status !== "lobby" || !renderLastResult(ui.resultSummary, ui.resultRanking, result);

    // One rule for late joiners, said the same on the join page: a running game can be
    // joined from here at any time (or they wait here for the next one).
    const inGame = !inLobby;
    ui.banner.hidden = !inGame;
    ui.playLink.hidden = state.room.status !== "in_game";
    if (inGame) {
      const name = game ? game.name : t("A game");
      ui.bannerText.textContent =
        state.room.status === "returning"
          ? t("{game} is ending; players are coming back.", { game: name })
          : amSpectator
            ? t("{game} is in progress: watch it now, or wait here for the next game.", { game: name })
            : t("{game} is in progress: join in now, or wait here for the next game.", { game: name });
      ui.playLink.textContent = amSpectator ? t("Watch the game") : t("Join the game");
      ui.endGame.hidden = !amHost;
    }
  }

  // The line under the bar's buttons: what this person can do next.
  function actionHint({ state, mine, amHost, amSpectator, hint }) {
    if (!mine) return "";
    if (state.room.status === "returning") return t("The game is ending; everyone is coming back.");
    if (state.room.status !== "lobby") return "";
    if (amHost) return hint;
    if (amSpectator) return t("You're watching. Waiting for the host to start.");
    return mine.isReady ? t("You're ready. Waiting for the host to start.") : t("Tell the host you're set to play.");
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
    showConnectionStatus(ui.connection, ui.connectionLabel, status, t);
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
    ui.endedTitle.textContent = t(ending.title);
    ui.endedText.textContent = t(ending.text, { code: data.code });
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
        showAlert(t("You're offline, so that change didn't go through. It will work again once you're back."));
      } else {
        showAlert(errorText(error));
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

  ui.playAgain.addEventListener("click", async () => {
    starting = true;
    render(store.state);
    await act("playAgain", {});
    starting = false;
    render(store.state);
  });

  // Avatar picker: one radio group of pictures and one of colours; a change is sent at once
  // and remembered in this browser for the next room (static/js/forms.js reads it).
  function renderAvatarPicker(mine) {
    if (!ui.avatarPicker || !mine) return;
    for (const input of ui.avatarPicker.querySelectorAll('input[name="lobby-avatar"]')) {
      if (input !== document.activeElement) input.checked = input.value === (mine.avatar || "");
    }
    for (const input of ui.avatarPicker.querySelectorAll('input[name="lobby-avatar-colour"]')) {
      if (input !== document.activeElement) input.checked = Number(input.value) === mine.avatarColour;
    }
  }

  ui.avatarPicker?.addEventListener("change", (event) => {
    const input = event.target;
    if (input.name === "lobby-avatar") {
      const avatar = input.value || null;
      rememberAvatar({ avatar });
      act("setProfile", { avatar }, (state) => {
        const mine = state.players.find((p) => p.id === myId);
        if (mine) mine.avatar = avatar;
      });
    } else if (input.name === "lobby-avatar-colour") {
      const avatarColour = Number(input.value);
      rememberAvatar({ avatarColour });
      act("setProfile", { avatarColour }, (state) => {
        const mine = state.players.find((p) => p.id === myId);
        if (mine) mine.avatarColour = avatarColour;
      });
    }
  });

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
        ? t("You're the host: the host role passes to another player. To play again you join like a new player.")
        : t("Your seat goes: to play again you join the room like a new player.");
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
      ui.copyStatus.textContent = t("Link copied. Send it to your friends!");
    } catch {
      ui.link.select();
      ui.copyStatus.textContent = t("Press Ctrl+C (or ⌘C) to copy the selected link.");
    }
  });
  ui.link.addEventListener("focus", () => ui.link.select());

  showConnection("syncing");
  render(store.state);
  // For tests and debugging: the live socket and store of this page.
  window.gameBuddiesLobby = { room, store };
}
