// Lobby chat: messages, history on every (re)connect, the host's mute/delete and spectator switch.
// Player text only ever goes through textContent. Strings come translated from the template
// (data-* attributes of #chat), so the German page reads German here too.
//
// Socket messages (rooms/protocol.py, docs/architecture.md "Lobby chat"):
//   client -> server: chatHistory, chatSend {text}, chatDelete {messageId}, chatMute {playerId, muted},
//                     chatSpectators {allowed}
//   server -> client: chatHistory {messages, muted, spectatorsAllowed}, chatMessage {message},
//                     chatDeleted {messageId, by}, chatMuted {playerId, name, muted}, chatSpectators {allowed}

const MAX_CHARS = 200;
const KEPT = 50;

function fill(template, params) {
  return template.replace(/\{(\w+)\}/g, (match, key) => (key in params ? String(params[key]) : match));
}

export function startChat({ room, myId, showAlert }) {
  const root = document.getElementById("chat");
  if (!root) return { handle: () => false, onStatus() {}, render() {} };
  const text = root.dataset;
  const ui = {
    log: document.getElementById("chat-log"),
    list: document.getElementById("chat-list"),
    empty: document.getElementById("chat-empty"),
    announcer: document.getElementById("chat-announcer"),
    form: document.getElementById("chat-form"),
    input: document.getElementById("chat-input"),
    send: document.getElementById("chat-send"),
    note: document.getElementById("chat-note"),
    host: document.getElementById("chat-host"),
    spectators: document.getElementById("chat-spectators"),
  };
  let messages = [];
  let muted = new Set();
  let spectatorsAllowed = false;
  let me = null; // my player in the latest room state
  let amHost = false;

  function nameOf(message) {
    return message.playerId === myId ? text.you : message.name;
  }

  function renderMessages() {
    const nearBottom = ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 40;
    ui.list.replaceChildren(...messages.map(messageRow));
    ui.empty.hidden = messages.length > 0;
    if (nearBottom) ui.log.scrollTop = ui.log.scrollHeight;
  }

  function messageRow(message) {
    const row = document.createElement("li");
    row.className = "chat__message" + (message.playerId === myId ? " chat__message--mine" : "");
    row.dataset.messageId = String(message.id);
    const author = document.createElement("span");
    author.className = "chat__author";
    author.textContent = nameOf(message);
    const body = document.createElement("span");
    body.className = "chat__text";
    body.textContent = message.text;
    row.append(author, body);
    if (amHost) {
      const tools = document.createElement("span");
      tools.className = "chat__tools";
      tools.append(tool("delete", text.delete, fill(text.deleteLabel, { name: message.name }), { messageId: message.id }));
      if (message.playerId && message.playerId !== myId) {
        const isMuted = muted.has(message.playerId);
        tools.append(
          tool(
            isMuted ? "unmute" : "mute",
            isMuted ? text.unmute : text.mute,
            fill(isMuted ? text.unmuteLabel : text.muteLabel, { name: message.name }),
            { playerId: message.playerId },
          ),
        );
      }
      row.append(tools);
    }
    return row;
  }

  function tool(action, label, ariaLabel, data) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn--ghost btn--small chat__tool";
    button.textContent = label;
    button.setAttribute("aria-label", ariaLabel);
    button.dataset.action = action;
    for (const [key, value] of Object.entries(data)) button.dataset[key] = String(value);
    return button;
  }

  function notice(line) {
    ui.announcer.textContent = line;
    const row = document.createElement("li");
    row.className = "chat__notice";
    row.textContent = line;
    ui.list.append(row);
    ui.empty.hidden = true;
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function renderControls() {
    const role = me?.role;
    const amMuted = muted.has(myId);
    const spectatorBlocked = role === "spectator" && !spectatorsAllowed;
    const blocked = amMuted || spectatorBlocked || !me;
    ui.input.disabled = blocked;
    ui.send.disabled = blocked;
    ui.note.hidden = !amMuted && !spectatorBlocked;
    ui.note.textContent = amMuted ? text.noteMuted : spectatorBlocked ? text.noteSpectator : "";
    ui.host.hidden = !amHost;
    ui.spectators.checked = spectatorsAllowed;
  }

  function handle(message) {
    switch (message.type) {
      case "chatHistory":
        messages = Array.isArray(message.messages) ? message.messages : [];
        muted = new Set(message.muted || []);
        spectatorsAllowed = Boolean(message.spectatorsAllowed);
        renderMessages();
        renderControls();
        return true;
      case "chatMessage":
        if (!message.message || messages.some((m) => m.id === message.message.id)) return true;
        messages = [...messages, message.message].slice(-KEPT);
        renderMessages();
        if (message.message.playerId !== myId) {
          ui.announcer.textContent = fill(text.says, { name: message.message.name, text: message.message.text });
        }
        return true;
      case "chatDeleted":
        messages = messages.filter((m) => m.id !== message.messageId);
        renderMessages();
        notice(fill(text.deleted, { name: message.by }));
        return true;
      case "chatMuted":
        if (message.muted) muted.add(message.playerId);
        else muted.delete(message.playerId);
        renderMessages();
        renderControls();
        notice(fill(message.muted ? text.muted : text.unmuted, { name: message.name }));
        return true;
      case "chatSpectators":
        spectatorsAllowed = Boolean(message.allowed);
        renderControls();
        notice(spectatorsAllowed ? text.spectatorsOn : text.spectatorsOff);
        return true;
      default:
        return false;
    }
  }

  // Every (re)connect: the history again, so nothing said while away is missed.
  function onStatus(status) {
    if (status === "connected") room.request("chatHistory").catch(() => {});
  }

  function render(state) {
    me = state.players.find((p) => p.id === myId) || null;
    const wasHost = amHost;
    amHost = me?.role === "host";
    if (wasHost !== amHost) renderMessages();
    renderControls();
  }

  async function request(type, payload) {
    try {
      await room.request(type, payload);
      return true;
    } catch (error) {
      showAlert(error.message);
      return false;
    }
  }

  ui.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const line = ui.input.value.trim();
    if (!line) return;
    if (line.length > MAX_CHARS) {
      showAlert(text.tooLong);
      return;
    }
    ui.send.disabled = true;
    if (await request("chatSend", { text: line })) ui.input.value = "";
    renderControls();
    ui.input.focus();
  });

  ui.list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    if (button.dataset.action === "delete") request("chatDelete", { messageId: Number(button.dataset.messageId) });
    else request("chatMute", { playerId: button.dataset.playerId, muted: button.dataset.action === "mute" });
  });

  ui.spectators.addEventListener("change", () => request("chatSpectators", { allowed: ui.spectators.checked }));

  renderMessages();
  return { handle, onStatus, render };
}
