// Seat claim for rooms created through the Game API: the host's session token arrives in the
// URL fragment (never sent to any server, so never in access logs or Referer headers). It is
// posted once, same-origin and CSRF-protected, so the server can set the HttpOnly seat cookie.
const form = document.getElementById("claim-form");
const field = document.getElementById("claim-token");
const token = new URLSearchParams(window.location.hash.slice(1)).get("token");
history.replaceState(null, "", window.location.pathname + window.location.search);
if (form && field && token) {
  field.value = token;
  form.submit();
}
