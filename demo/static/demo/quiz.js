// Quick Quiz: everyone gets the same questions; right and quick scores most.
// Questions come from the game's server without their answers; each answer is checked
// there, one at a time. Progress goes through the browser SDK so the scoreboard is live.

import { formatNumber } from "../gamebuddies/ui.js";
import { $, config, createShell, GameOverError } from "./shell.js";

const FEEDBACK_MS = 1800;
const LETTERS = ["A", "B", "C", "D"];

function points(value) {
  return `${formatNumber(value || 0)} pts`;
}

function describePlayer(player, progress) {
  if (!progress) return { label: "Getting ready", score: "" };
  if (progress.finished) return { label: "Finished", score: points(progress.score), done: true };
  return { label: `Question ${Math.min(progress.round + 1, progress.of)} of ${progress.of}`, score: points(progress.score) };
}

const shell = createShell({ describePlayer });
if (shell) play(shell);

function play(shell) {
  const { gb } = shell;
  const limitMs = config.questionSeconds * 1000;
  let questions = [];
  let index = 0;
  let score = 0;
  let askedAt = 0;
  let ticker = null;
  let answering = false;
  let over = false;

  function report(finished = false) {
    shell.report({ run: shell.runId(), round: index, of: questions.length, score, finished });
  }

  function renderHead() {
    $("round-now").textContent = Math.min(index + 1, questions.length);
    $("round-total").textContent = questions.length;
    $("score").textContent = points(score);
  }

  function ask() {
    const question = questions[index];
    renderHead();
    $("question-text").textContent = question.text;
    $("feedback").textContent = "";
    $("feedback").className = "feedback";
    const buttons = question.choices.map((choice, i) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = `choice choice--${i}`;
      button.dataset.choice = String(i);
      const letter = document.createElement("span");
      letter.className = "choice__letter";
      letter.textContent = LETTERS[i];
      const text = document.createElement("span");
      text.textContent = choice;
      button.append(letter, text);
      return button;
    });
    $("choices").replaceChildren(...buttons);
    // Each new question is read out once (the timer is not).
    $("question-announcer").textContent = `Question ${index + 1} of ${questions.length}: ${question.text}`;
    answering = true;
    askedAt = performance.now();
    $("timer").value = 1000;
    clearInterval(ticker);
    ticker = setInterval(() => {
      const left = Math.max(0, limitMs - (performance.now() - askedAt));
      $("timer").value = Math.round((left / limitMs) * 1000);
      if (left === 0) choose(null);
    }, 100);
  }

  async function choose(choice) {
    if (!answering || over) return;
    answering = false;
    clearInterval(ticker);
    const timeMs = Math.round(choice === null ? limitMs : performance.now() - askedAt);
    for (const button of $("choices").querySelectorAll("button")) {
      button.disabled = true;
      if (Number(button.dataset.choice) === choice) button.classList.add("choice--picked");
    }
    let answer;
    try {
      // Retried until the server answers, however long the network is away; the server keeps
      // the first answer to a question, so a retry never scores twice.
      answer = await shell.deliver("answer", { index, choice, timeMs });
    } catch (error) {
      if (error instanceof GameOverError) return;
      // Refused (e.g. this question was answered from another tab): carry on from the server's record.
      $("feedback").textContent = error.message;
      setTimeout(() => resume().catch(showLoadError), FEEDBACK_MS);
      return;
    }
    const { feedback } = answer;
    for (const button of $("choices").querySelectorAll("button")) {
      if (Number(button.dataset.choice) === feedback.rightChoice) button.classList.add("choice--right");
      else if (Number(button.dataset.choice) === choice) button.classList.add("choice--wrong");
    }
    score = answer.entry.score;
    $("feedback").className = `feedback feedback--${feedback.correct ? "right" : "wrong"}`;
    $("feedback").textContent = feedback.correct
      ? `Right! +${points(feedback.points)}`
      : choice === null
        ? "Time's up!"
        : "Not quite.";
    index += 1;
    $("score").textContent = points(score);
    const finished = index >= questions.length;
    report(finished);
    if (answer.gameEnded) {
      shell.showFinal(answer.result);
      return;
    }
    setTimeout(() => (finished ? done(answer.waitingFor) : ask()), FEEDBACK_MS);
  }

  function done(waitingFor = []) {
    shell.markFinished();
    $("question-text").textContent = `Finished with ${points(score)}!`;
    $("choices").replaceChildren();
    $("timer").value = 0;
    const names = gb.players.filter((p) => waitingFor.includes(p.id)).map((p) => p.name);
    $("feedback").className = "feedback";
    $("feedback").textContent = names.length ? `Waiting for ${names.join(", ")}…` : "Waiting for the others…";
  }

  $("choices").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-choice]");
    if (button) choose(Number(button.dataset.choice));
  });
  document.addEventListener("keydown", (event) => {
    const n = "1234".indexOf(event.key);
    if (n >= 0 && answering && !event.repeat && n < questions[index].choices.length) choose(n);
  });
  gb.on("gameEnd", () => {
    over = true;
    clearInterval(ticker);
  });

  // Where this player stands, from the server: after loading, a reload or a refused answer.
  async function resume() {
    const run = await shell.deliver("questions");
    questions = run.questions;
    index = run.answered.length;
    score = run.score;
    if (index >= questions.length) done();
    else {
      report(); // others now see "Question n of N" instead of "Getting ready"
      ask();
    }
  }

  function showLoadError(error) {
    if (error instanceof GameOverError) return;
    $("question-text").textContent = error.message || "Couldn't load the questions.";
  }

  gb.connect()
    .then(async () => {
      if (gb.room.status !== "in_game") return; // the SDK shows the result and returns to the lobby
      if (gb.isSpectator) {
        $("question-text").textContent = "You're watching: the race is on the right.";
        return;
      }
      await resume();
    })
    .catch(showLoadError);
}
