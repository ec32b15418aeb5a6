// The home and join pages (issue 22 #3, #8): the first error gets focus and is scrolled into
// view, the join-by-link page puts the cursor in the name field, and the name you played
// under last time is filled in for the next room (kept in this browser only).

const NAME_KEY = "gamebuddies:name";

function rememberedName() {
  try {
    return window.localStorage.getItem(NAME_KEY) || "";
  } catch {
    return ""; // storage disabled (private mode): nothing remembered, nothing breaks
  }
}

function rememberName(value) {
  const name = value.trim();
  if (!name) return;
  try {
    window.localStorage.setItem(NAME_KEY, name);
  } catch {
    // not remembered; the form still posts
  }
}

function focusFirstError() {
  // In page order: a form-wide message (e.g. "This room is full") or an invalid field.
  const first = document.querySelector('.alert--error[tabindex="-1"], [aria-invalid="true"]');
  if (!first) return false;
  first.focus({ preventScroll: true });
  first.scrollIntoView({ block: "center" });
  return true;
}

const nameInputs = document.querySelectorAll('form input[autocomplete="nickname"]');
const saved = rememberedName();
for (const input of nameInputs) {
  if (!input.value && saved && input.getAttribute("aria-invalid") !== "true") input.value = saved;
  input.form.addEventListener("submit", () => rememberName(input.value));
}

if (!focusFirstError()) {
  // A room code in the link: the name is all that is left to type.
  const name = document.querySelector('form[data-focus="name"] input[autocomplete="nickname"]');
  if (name) {
    name.focus();
    name.select();
  }
}
