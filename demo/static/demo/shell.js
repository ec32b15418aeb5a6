// What every demo game page shares: the SDK connection, the connection indicator, the live
// scoreboard of who is still playing (and who is offline), posting to the game's server
// until it answers, and the final results before everyone goes back to the lobby.
// Player text is only ever set as textContent.
//
// A game page must survive a network blip (issue 22 #1): a request that cannot reach the
// server is retried when the connection returns (or on Retry) instead of failing, the page
// says "Connection lost — retrying" meanwhile, and this player's progress is reported again
// once the room socket is back, so the others' scoreboards catch up.

import { GameBuddies, LaunchError } from "../gamebuddies/sdk.js";
import { backoffDelay, el, formatNumber, RefusalError, renderRanking, showConnection } from "../gamebuddies/ui.js";

export const config = JSON.parse(document.getElementById("game-config").textContent);
export const $ = (id) => document.getElementById(id);

const RETURN_DELAY_MS = 4000;
const RECHECK_MS = 5000;
const RETRY_BASE_MS = 400;
const RETRY_MAX_MS = 4000;

export function formatMs(ms) {
  return `${formatNumber(Math.round(ms))} ms`;
}

/** The game's server refused a request, or could not answer it (`status` is the HTTP status). */
export class ServerError extends RefusalError {
  constructor(body, status) {
    super(body, { message: `HTTP ${status}`, code: "HTTP_ERROR" });
    this.status = status;
  }

  /** Worth sending again: the server is busy or briefly unavailable (never a refusal). */
  get retryable() {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

/** The request stopped because the game ended meanwhile; nothing to show. */
export class GameOverError extends Error {}

/**
 * Start the page. `describePlayer(player, progress)` -> { label, score, done } draws one
 * scoreboard line from a player's progress for this run (their gameData[game]).
 */
export function createShell({ describePlayer }) {
  let gb;
  try {
    gb = GameBuddies.fromLaunch({ returnDelayMs: RETURN_DELAY_MS });
  } catch (error) {
    if (!(error instanceof LaunchError)) throw error;
    $("launch-error").hidden = false;
    $("back-to-lobby").hidden = true;
    $("connection").hidden = true;
    return null;
  }
  $("game").hidden = false;
  $("room-chip").hidden = false;
  $("room-code").textContent = gb.roomCode;

  let finishedLocally = false;
  let checkTimer = null;
  let rosterTimer = null;
  let ended = false;
  let lastProgress = null;
  let wasOffline = false;
  const waiters = new Set(); // retries waiting for the network, Retry, or their backoff

  function wakeRetries() {
    for (const wake of [...waiters]) wake();
  }

  function showNetProblem(on) {
    $("net-problem").hidden = !on || ended;
  }

  // Waits for whichever comes first: the backoff, the browser going online, the room
  // socket reconnecting, or the player pressing Retry.
  function pause(ms) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  }

  const shell = {
    gb,
    /** Progress of a player in the current run (null if from an earlier game or none yet). */
    progressOf(player) {
      const data = player && player.gameData ? player.gameData[config.game] : null;
      return data && data.run === shell.runId() ? data : null;
    },
    runId() {
      return gb.room?.metadata?.gameStartedAt || "";
    },
    settings() {
      return gb.room?.settings || {};
    },
    /** POST to this game's server with the player's session token; resolves with its JSON. */
    async post(name, body = {}) {
      const response = await fetch(config.urls[name], {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "omit", // the session token is the credential, never cookies
        body: JSON.stringify({ roomCode: gb.roomCode, sessionToken: gb.sessionToken, ...body }),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) throw new ServerError(data, response.status);
      return data;
    },
    /**
     * `post` until the server answers: a network failure or a retryable answer is tried again
     * (the endpoints are idempotent, so a retry never counts twice) while the page says
     * "Connection lost — retrying"; a refusal (4xx) is thrown. Stops with GameOverError
     * once the game has ended.
     */
    async deliver(name, body = {}) {
      for (let attempt = 0; ; attempt += 1) {
        if (ended) throw new GameOverError();
        try {
          const answer = await shell.post(name, body);
          showNetProblem(false);
          return answer;
        } catch (error) {
          if (error instanceof ServerError && !error.retryable) {
            showNetProblem(false);
            throw error;
          }
          showNetProblem(true);
          await pause(backoffDelay(attempt, { baseMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS }));
        }
      }
    },
    /** Tell the room this player's progress; sent again after a reconnect if it did not get through. */
    report(progress) {
      lastProgress = progress;
      gb.reportProgress({ [config.game]: progress }).catch(() => {});
    },
    /** This player is done: from now on, help the room finish (the server decides when). */
    markFinished() {
      finishedLocally = true;
      scheduleDeadlineCheck();
    },
    showFinal,
  };

  function renderScoreboard() {
    const list = $("scoreboard");
    const participants = gb.players.filter((p) => p.role !== "spectator");
    list.replaceChildren(
      ...participants.map((player) => {
        const progress = shell.progressOf(player);
        const inGame = player.isConnected && player.currentLocation === "game";
        const line = describePlayer(player, progress);
        const item = el("li", { className: "score-line" });
        if (player.id === gb.playerId) item.classList.add("score-line--me");
        if (line.done) item.classList.add("score-line--done");
        if (!inGame && !line.done) item.classList.add("score-line--away");
        const name = el("span", { className: "score-line__name", text: player.name });
        if (player.id === gb.playerId) name.append(el("span", { className: "score-line__you", text: "you" }));
        // Offline players stay on the board, marked, with where they were; they may come back.
        const label = line.done
          ? line.label
          : !player.isConnected
            ? `Offline · ${line.label}`
            : !inGame
              ? "Left the game"
              : line.label;
        if (!player.isConnected && !line.done) item.classList.add("score-line--offline");
        item.append(
          name,
          el("span", { className: "score-line__label", text: label }),
          el("span", { className: "score-line__score", text: line.score || "" }),
        );
        return item;
      }),
    );
    const playing = gb.playersInGame.filter((p) => p.role !== "spectator").length;
    const offline = participants.filter((p) => !p.isConnected).length;
    $("scoreboard-note").textContent = `${playing} still in the game` + (offline ? ` · ${offline} offline` : "");
  }

  async function check() {
    if (ended) return;
    try {
      const outcome = await shell.post("check");
      if (outcome.gameEnded) return; // the snapshot brings the result to every page
    } catch {
      // offline or refused: the next roster change or the recheck tries again
    }
  }

  function scheduleDeadlineCheck() {
    clearTimeout(checkTimer);
    const started = Date.parse(shell.runId());
    const rounds = Number(shell.settings().rounds) || config.rounds;
    const deadline = started + (config.startGraceSeconds + config.secondsPerRound * rounds) * 1000;
    const wait = Number.isFinite(deadline) ? Math.max(deadline - Date.now(), 0) : RECHECK_MS;
    // A little jitter so a room of waiting pages does not ask at the same instant.
    checkTimer = setTimeout(async () => {
      await check();
      if (!ended) scheduleDeadlineCheck();
    }, Math.max(wait, RECHECK_MS) + Math.random() * 1000);
  }

  function showFinal(result) {
    if (ended) return;
    ended = true;
    clearTimeout(checkTimer);
    showNetProblem(false);
    wakeRetries();
    $("final-summary").textContent = result?.summary || "The game has ended.";
    renderRanking($("final-ranking"), result?.ranking, { meId: gb.playerId });
    $("final").hidden = false;
    $("final-title").focus();
    // Read once by screen readers (with the dialog); the visible countdown is not announced.
    let left = Math.round(RETURN_DELAY_MS / 1000);
    $("final-return-note").textContent = `You go back to the lobby in ${left} seconds.`;
    const tick = () => {
      $("final-return").textContent = `Back to the lobby in ${left}…`;
      left -= 1;
      if (left >= 0) setTimeout(tick, 1000);
    };
    tick();
  }

  gb.on("connection", (status) => {
    showConnection($("connection"), $("connection-label"), status);
    if (status === "offline") wasOffline = true;
    if (status === "connected") {
      wakeRetries(); // the network is back: retry now rather than at the end of a backoff
      if (wasOffline && lastProgress && !ended) shell.report(lastProgress);
      wasOffline = false;
    }
  });
  window.addEventListener("online", wakeRetries);
  $("net-retry").addEventListener("click", () => {
    wakeRetries();
    gb.sync().catch(() => {});
  });
  gb.on("players", () => {
    renderScoreboard();
    if (finishedLocally && !ended) {
      // Someone finished or left: maybe nobody is left to wait for.
      clearTimeout(rosterTimer);
      rosterTimer = setTimeout(check, 300 + Math.random() * 400);
    }
  });
  gb.on("gameEnd", showFinal);
  gb.on("ended", ({ reason }) => {
    $("connection-label").textContent = reason === "closed" ? "Room closed" : "Disconnected from the room";
  });
  $("back-to-lobby").addEventListener("click", () => gb.returnToLobby());
  $("final-back").addEventListener("click", () => gb.returnToLobby({ reportStatus: false }));
  return shell;
}
