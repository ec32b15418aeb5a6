// Reaction Race: wait for green, then tap (or press Space) as fast as you can.
// The page measures each reaction locally (a network round trip would be unfair) and
// reports progress through the browser SDK so everyone sees everyone's race live; the
// game's server scores the rounds, keeps the results and ends the game.

import { $, config, createShell, formatMs, GameOverError } from "./shell.js";

const MIN_WAIT_MS = 1500;
const MAX_EXTRA_WAIT_MS = 3000;
const SHOW_RESULT_MS = 1400;
// On a phone there is no Space bar to mention.
const TOUCH_ONLY = window.matchMedia("(hover: none) and (pointer: coarse)").matches;

function describePlayer(player, progress) {
  if (!progress) return { label: "Getting ready", score: "" };
  if (progress.finished) return { label: "Finished", score: formatMs(progress.totalMs), done: true };
  const played = progress.round || 0;
  return { label: `Round ${Math.min(played + 1, progress.of)} of ${progress.of}`, score: played ? formatMs(progress.totalMs) : "" };
}

// The same rules the server scores by (demo/reaction.py); the server's numbers win.
function outcomeOf({ timeMs, falseStart }) {
  if (falseStart || (timeMs !== null && timeMs < config.minHumanMs)) {
    return { outcome: "false_start", scoreMs: config.falseStartPenaltyMs };
  }
  if (timeMs === null || timeMs >= config.missMs) return { outcome: "miss", scoreMs: config.missMs };
  return { outcome: "hit", scoreMs: Math.round(timeMs) };
}

const shell = createShell({ describePlayer });
if (shell) play(shell);

function play(shell) {
  const { gb } = shell;
  const pad = $("pad");
  let phase = "connecting"; // intro | waiting | go | result | done | watching | over
  let totalRounds = config.rounds;
  let rounds = [];
  let signalAt = null;
  let timer = null;

  $("penalty-ms").textContent = formatMs(config.falseStartPenaltyMs);

  function show(kind, big, small = "") {
    pad.className = `pad pad--${kind}`;
    $("pad-big").textContent = big;
    $("pad-small").textContent = small;
  }

  function say(text) {
    $("announcer").textContent = text;
  }

  function totals() {
    const scored = rounds.map(outcomeOf);
    const hits = scored.filter((o) => o.outcome === "hit").map((o) => o.scoreMs);
    return { totalMs: scored.reduce((sum, o) => sum + o.scoreMs, 0), bestMs: hits.length ? Math.min(...hits) : null };
  }

  function renderRounds() {
    const chips = [];
    for (let i = 0; i < totalRounds; i += 1) {
      const chip = document.createElement("li");
      const round = rounds[i];
      if (!round) {
        chip.className = i === rounds.length && phase !== "done" ? "round round--now" : "round";
        chip.textContent = `R${i + 1}`;
      } else {
        const { outcome, scoreMs } = outcomeOf(round);
        chip.className = `round round--${outcome}`;
        chip.textContent = outcome === "hit" ? formatMs(scoreMs) : outcome === "miss" ? "Miss" : "False start";
      }
      chips.push(chip);
    }
    $("rounds").replaceChildren(...chips);
    $("round-now").textContent = Math.min(rounds.length + 1, totalRounds);
    $("round-total").textContent = totalRounds;
    $("total-ms").textContent = formatMs(totals().totalMs);
  }

  function report(finished = false) {
    const { totalMs, bestMs } = totals();
    // Display only; the server keeps the results.
    shell.report({ run: shell.runId(), round: rounds.length, of: totalRounds, totalMs, bestMs, finished });
  }

  function intro() {
    phase = "intro";
    pad.disabled = false;
    show("intro", rounds.length ? "Next round" : "Tap to start", TOUCH_ONLY ? "" : "or press Space");
    renderRounds();
  }

  function startRound() {
    phase = "waiting";
    signalAt = null;
    show("wait", "Wait for green…", "Don't tap yet");
    say("Wait for green");
    timer = setTimeout(signal, MIN_WAIT_MS + Math.random() * MAX_EXTRA_WAIT_MS);
  }

  function signal() {
    phase = "go";
    show("go", "TAP!", "Now!");
    say("Go!");
    // Time from the frame that shows green, in the same clock as input event timestamps.
    requestAnimationFrame((frameTime) => {
      signalAt = frameTime;
    });
    timer = setTimeout(() => record({ timeMs: null, falseStart: false }), config.missMs);
  }

  function press(eventTime) {
    if (phase === "intro") startRound();
    else if (phase === "waiting") record({ timeMs: null, falseStart: true });
    else if (phase === "go") {
      const at = eventTime > 0 ? eventTime : performance.now();
      record({ timeMs: signalAt === null ? 0 : Math.max(0, Math.round(at - signalAt)), falseStart: false });
    }
  }

  function record(round) {
    clearTimeout(timer);
    rounds.push(round);
    const { outcome, scoreMs } = outcomeOf(round);
    const last = rounds.length === totalRounds;
    if (outcome === "hit") show("hit", formatMs(scoreMs), scoreMs < 250 ? "Lightning fast!" : "Nice!");
    else if (outcome === "miss") show("miss", "Too slow", `+${formatMs(scoreMs)}`);
    else show("false", "Too soon!", `False start: +${formatMs(scoreMs)}`);
    say(outcome === "hit" ? `${scoreMs} milliseconds` : outcome === "miss" ? "Too slow" : "False start");
    phase = "result";
    renderRounds();
    report(last);
    timer = setTimeout(last ? finish : intro, SHOW_RESULT_MS);
  }

  async function finish() {
    phase = "done";
    pad.disabled = true;
    renderRounds();
    show("done", "Finished!", `Total ${formatMs(totals().totalMs)} · sending…`);
    const payload = { rounds: rounds.map(({ timeMs, falseStart }) => ({ timeMs, falseStart })) };
    try {
      // Retried until the server answers (a repeat returns the first result, never a second one).
      const outcome = await shell.deliver("results", payload);
      shell.markFinished();
      if (outcome.gameEnded) shell.showFinal(outcome.result);
      else waitingFor(outcome.waitingFor);
    } catch (error) {
      if (!(error instanceof GameOverError)) show("done", "Finished!", error.message);
    }
  }

  function waitingFor(ids) {
    const names = gb.players.filter((p) => ids.includes(p.id)).map((p) => p.name);
    const who = names.length === 1 ? names[0] : `${names.length} players`;
    show("done", `Total ${formatMs(totals().totalMs)}`, names.length ? `Waiting for ${who}…` : "Waiting for the others…");
  }

  pad.addEventListener("pointerdown", (event) => {
    if (event.button === 0) {
      event.preventDefault();
      press(event.timeStamp);
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.repeat || (event.key !== " " && event.key !== "Enter")) return;
    const other = event.target.closest?.("button, a, input, select, textarea");
    if (other && other !== pad) return; // Space on "Back to lobby" means that button
    if (!["intro", "waiting", "go"].includes(phase)) return;
    event.preventDefault();
    press(event.timeStamp);
  });

  gb.on("gameEnd", () => {
    clearTimeout(timer);
    phase = "over";
    pad.disabled = true;
  });

  gb.connect().then(
    () => {
      totalRounds = Number(shell.settings().rounds) || config.rounds;
      const mine = shell.progressOf(gb.me);
      if (gb.room.status !== "in_game") return; // the SDK shows the result and returns to the lobby
      if (gb.isSpectator) {
        phase = "watching";
        show("watch", "Watching", "Spectators see the race on the right");
        renderRounds();
      } else if (mine?.finished) {
        phase = "done";
        show("done", `Total ${formatMs(mine.totalMs)}`, "Finished — waiting for the others…");
        shell.markFinished();
      } else {
        intro();
      }
    },
    (error) => show("false", "Can't join", error.message),
  );
}
