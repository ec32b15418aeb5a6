// Seat claim for rooms created through the Game API: a one-time claim code arrives in the URL
// fragment (never sent to any server, so never in access logs or Referer headers). It is posted
// once, same-origin and CSRF-protected; the server exchanges it for a fresh session token and
// sets the HttpOnly seat cookie. A browser already seated in the room is asked before switching.
const form = document.getElementById("claim-form");
const field = document.getElementById("claim-code");
const code = new URLSearchParams(window.location.hash.slice(1)).get("claim");
history.replaceState(null, "", window.location.pathname + window.location.search);
if (form && field && code) {
  field.value = code;
  form.submit();
}
