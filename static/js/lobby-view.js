// DOM rendering for the lobby. Player-supplied text only ever goes through
// textContent (never innerHTML), so a name like <svg onload=...> stays a name.

import { el, renderRanking } from "../gamebuddies/ui.js";
import { t } from "./i18n.js";

// Same colour as the server render (players/avatars.py default_colour) until one is picked.
export function avatarColour(player) {
  if (Number.isInteger(player.avatarColour)) return player.avatarColour;
  return parseInt(player.id.replace(/-/g, "").slice(-4), 16) % 8;
}

// The picture of an avatar key (the page's avatar table), else the name's first letter.
let avatarTable = null;
export function avatarText(player) {
  if (avatarTable === null) {
    const node = document.getElementById("avatar-data");
    avatarTable = {};
    try {
      for (const a of node ? JSON.parse(node.textContent) : []) avatarTable[a.key] = a.emoji;
    } catch {
      // no table: initials only
    }
  }
  return (player.avatar && avatarTable[player.avatar]) || (Array.from(player.name)[0] || "?").toUpperCase();
}

export function presenceOf(player) {
  if (player.currentLocation === "game") return ["game", t("In game")];
  if (player.isConnected) return ["connected", t("Connected")];
  return ["disconnected", t("Disconnected")];
}

function playerRow(player, { myId, amHost, armedKick }) {
  const isMe = player.id === myId;
  const [presence, presenceLabel] = presenceOf(player);
  const badges = el("span", { className: "player__badges" }, [
    player.isHost && el("span", { className: "badge badge--host", text: t("Host") }),
    player.role === "spectator" && el("span", { className: "badge badge--spectator", text: t("Spectator") }),
    isMe && el("span", { className: "badge badge--you", text: t("You") }),
  ]);
  const state = el("span", { className: "player__state" }, [
    el("span", { className: `presence presence--${presence}`, text: presenceLabel }),
    player.role !== "spectator" &&
      el("span", {
        className: `ready ready--${player.isReady ? "yes" : "no"}`,
        text: player.isReady ? t("Ready") : t("Not ready"),
      }),
  ]);
  let actions = null;
  if (amHost && !isMe) {
    const armed = armedKick === player.id;
    actions = el("span", { className: "player__actions" }, [
      player.role !== "spectator" &&
        el("button", {
          className: "btn btn--small btn--ghost",
          text: t("Make host"),
          attrs: {
            type: "button",
            "data-action": "transferHost",
            "data-player-id": player.id,
            "aria-label": t("Make host: {name}", { name: player.name }),
          },
        }),
      el("button", {
        className: `btn btn--small ${armed ? "btn--danger" : "btn--ghost"}`,
        text: armed ? t("Confirm remove") : t("Remove"),
        attrs: {
          type: "button",
          "data-action": "kick",
          "data-player-id": player.id,
          // The visible words first (WCAG "label in name"), then whose row it is.
          "aria-label": armed
            ? t("Confirm remove: {name}", { name: player.name })
            : t("Remove: {name}", { name: player.name }),
        },
      }),
    ]);
  }
  const classes = ["player"];
  if (isMe) classes.push("player--me");
  if (!player.isConnected) classes.push("player--away");
  return el("li", { className: classes.join(" "), attrs: { "data-player-id": player.id } }, [
    el("span", {
      className: `avatar avatar--${avatarColour(player)}`,
      text: avatarText(player),
      attrs: { "aria-hidden": "true", "data-avatar": player.avatar || "" },
    }),
    el("span", { className: "player__main" }, [
      el("span", { className: "player__title" }, [el("span", { className: "player__name", text: player.name }), badges]),
      state,
    ]),
    actions,
  ]);
}

export function renderPlayers(list, players, context) {
  // Rebuilding the list is cheap at lobby sizes; keep keyboard focus on the same control.
  const focused = document.activeElement;
  const focusKey =
    focused && list.contains(focused) && focused.dataset.action
      ? [focused.dataset.action, focused.dataset.playerId]
      : null;
  list.replaceChildren(...players.map((player) => playerRow(player, context)));
  if (focusKey) {
    const again = list.querySelector(
      `[data-action="${focusKey[0]}"][data-player-id="${CSS.escape(focusKey[1] || "")}"]`,
    );
    if (again) again.focus();
  }
}

function settingLabel(key, spec) {
  if (spec.label) return spec.label;
  const words = key.replace(/[_-]+/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function settingId(key) {
  return `setting-${key.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

export function defaultSettings(game) {
  const values = {};
  for (const [key, spec] of Object.entries(game?.settingsSchema || {})) {
    if (spec.default !== undefined) values[key] = spec.default;
  }
  return values;
}

// Host: one input per setting the game declares. Re-used when the game is unchanged so
// typing is not interrupted; values follow the room unless the input has focus.
export function renderSettingsInputs(container, game, values) {
  const schema = game?.settingsSchema || {};
  const signature = game ? `${game.slug}:${Object.keys(schema).join(",")}` : "";
  if (container.dataset.signature !== signature) {
    container.dataset.signature = signature;
    container.replaceChildren(
      ...Object.entries(schema).map(([key, spec]) => {
        const id = settingId(key);
        const label = el("label", { text: settingLabel(key, spec), attrs: { for: id } });
        let input;
        if (spec.type === "bool") {
          input = el("input", { attrs: { type: "checkbox", id, "data-setting": key } });
          return el("div", { className: "field field--check" }, [input, label]);
        }
        if (spec.type === "choice") {
          input = el(
            "select",
            { attrs: { id, "data-setting": key } },
            (spec.choices || []).map((choice) => el("option", { text: choice, attrs: { value: String(choice) } })),
          );
        } else if (spec.type === "int") {
          input = el("input", {
            attrs: { type: "number", id, inputmode: "numeric", step: 1, min: spec.min, max: spec.max, "data-setting": key },
          });
        } else {
          input = el("input", { attrs: { type: "text", id, maxlength: spec.max_length || 100, "data-setting": key } });
        }
        return el("div", { className: "field field--inline" }, [label, input]);
      }),
    );
  }
  for (const input of container.querySelectorAll("[data-setting]")) {
    if (input === document.activeElement) continue;
    const value = values?.[input.dataset.setting];
    if (input.type === "checkbox") input.checked = Boolean(value);
    else input.value = value === undefined || value === null ? "" : String(value);
  }
  return Object.keys(schema).length > 0;
}

export function readSettingsInputs(container, game) {
  const schema = game?.settingsSchema || {};
  const values = {};
  for (const input of container.querySelectorAll("[data-setting]")) {
    const spec = schema[input.dataset.setting];
    if (!spec) continue;
    if (spec.type === "bool") values[input.dataset.setting] = input.checked;
    else if (spec.type === "int") values[input.dataset.setting] = Number.parseInt(input.value, 10);
    else values[input.dataset.setting] = input.value;
  }
  return values;
}

// Everyone else: the chosen settings as a read-only list.
export function renderSettingsList(list, game, values) {
  const schema = game?.settingsSchema || {};
  list.replaceChildren(
    ...Object.entries(schema).flatMap(([key, spec]) => {
      let value = values?.[key];
      if (spec.type === "bool") value = value ? t("On") : t("Off");
      return [el("dt", { text: settingLabel(key, spec) }), el("dd", { text: value ?? "—" })];
    }),
  );
}

// Whether the host may start, and what to tell them when not.
export function startReadiness(state, game) {
  if (state.room.status !== "lobby") return [false, t("A game is already running.")];
  if (!game) return [false, t("Choose a game to start.")];
  const playing = state.players.filter((p) => p.role !== "spectator" && p.isConnected).length;
  const range = game.minPlayers === game.maxPlayers ? `${game.minPlayers}` : `${game.minPlayers}–${game.maxPlayers}`;
  if (playing < game.minPlayers || playing > game.maxPlayers) {
    const params = { game: game.name, range, count: playing };
    return [
      false,
      playing === 1
        ? t("{game} needs {range} connected players; {count} is here.", params)
        : t("{game} needs {range} connected players; {count} are here.", params),
    ];
  }
  const waiting = state.players.filter((p) => p.role !== "spectator" && p.isConnected && !p.isReady).length;
  if (waiting === 1) return [true, t("1 player isn't ready yet, but you can start.")];
  if (waiting) return [true, t("{count} players aren't ready yet, but you can start.", { count: waiting })];
  return [true, t("Everyone is ready.")];
}

// The result a game reported when it ended (room.metadata.lastGameResult): a summary
// line and a ranking (its first 20 rows), both optional, both plain text. Returns whether
// there was one.
export function renderLastResult(summaryElement, rankingElement, result) {
  const summary = result && typeof result.summary === "string" ? result.summary : "";
  summaryElement.textContent = summary;
  const rows = renderRanking(rankingElement, result ? result.ranking : null, { limit: 20 });
  return Boolean(summary || rows);
}
