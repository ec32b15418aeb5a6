// The home and join pages (issue 22 #3, #8): the first error gets focus and is scrolled into
// view, the join-by-link page puts the cursor in the name field, and the name you played
// under last time is filled in for the next room, with the avatar (kept in this browser only).

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

// The avatar picked last time (here or in a lobby) is picked again (issue 23).
const AVATAR_KEY = "gamebuddies:avatar";

function rememberedAvatar() {
  try {
    return JSON.parse(window.localStorage.getItem(AVATAR_KEY) || "{}") || {};
  } catch {
    return {};
  }
}

for (const picker of document.querySelectorAll("[data-avatar-picker]")) {
  const form = picker.closest("form");
  const avatarInputs = [...picker.querySelectorAll('input[name$="avatar"]')];
  const colourInputs = [...picker.querySelectorAll('input[name$="avatar_colour"]')];
  const savedAvatar = rememberedAvatar();
  // A form sent back with errors keeps what was posted; otherwise the remembered choice.
  if (!avatarInputs.some((input) => input.checked && input.value)) {
    const match = avatarInputs.find((input) => input.value === (savedAvatar.avatar || ""));
    if (match) match.checked = true;
  }
  if (!colourInputs.some((input) => input.checked) && Number.isInteger(savedAvatar.avatarColour)) {
    const match = colourInputs.find((input) => Number(input.value) === savedAvatar.avatarColour);
    if (match) match.checked = true;
  }
  form.addEventListener("submit", () => {
    const avatar = avatarInputs.find((input) => input.checked);
    const colour = colourInputs.find((input) => input.checked);
    const choice = { ...rememberedAvatar() };
    if (avatar) choice.avatar = avatar.value || null;
    if (colour) choice.avatarColour = Number(colour.value);
    try {
      window.localStorage.setItem(AVATAR_KEY, JSON.stringify(choice));
    } catch {
      // not remembered; the form still posts
    }
  });
}

if (!focusFirstError()) {
  // A room code in the link: the name is all that is left to type.
  const name = document.querySelector('form[data-focus="name"] input[autocomplete="nickname"]');
  if (name) {
    name.focus();
    name.select();
  }
}
