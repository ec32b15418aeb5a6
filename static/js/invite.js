// The invite: a Share button where the Web Share API exists, the QR code full screen on
// demand (to scan from across the room), and the host's "list this room publicly" switch.
// Strings come translated from the templates' data-* attributes.

export function startInvite({ room, myId, link, showAlert }) {
  const share = document.getElementById("share-link");
  const bigger = document.getElementById("qr-bigger");
  const qr = document.getElementById("invite-qr");
  const toggle = document.getElementById("public-room");

  if (share && typeof navigator.share === "function") {
    share.hidden = false;
    share.addEventListener("click", async () => {
      try {
        await navigator.share({ title: share.dataset.shareTitle, text: share.dataset.shareText, url: link.value });
      } catch {
        // dismissed by the user: nothing to say
      }
    });
  }

  function setBig(big) {
    qr.classList.toggle("qr--big", big);
    bigger.setAttribute("aria-pressed", String(big));
    bigger.textContent = big ? bigger.dataset.labelSmall : bigger.dataset.labelBig;
  }
  if (bigger && qr) {
    bigger.addEventListener("click", () => setBig(!qr.classList.contains("qr--big")));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && qr.classList.contains("qr--big")) {
        setBig(false);
        bigger.focus();
      }
    });
  }

  if (toggle) {
    toggle.addEventListener("change", async () => {
      const wanted = toggle.checked;
      try {
        await room.request("setPublic", { public: wanted });
      } catch (error) {
        toggle.checked = !wanted;
        showAlert(error.message);
      }
    });
  }

  function render(state) {
    if (!toggle) return;
    const me = state.players.find((p) => p.id === myId);
    document.getElementById("public-toggle").hidden = me?.role !== "host";
    if (document.activeElement !== toggle) toggle.checked = Boolean(state.room.isPublic);
  }

  return { render };
}
