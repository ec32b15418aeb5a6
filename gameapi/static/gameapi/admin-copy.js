// Copy buttons on the admin's shown-once page (API keys, webhook secrets).
// A static file, not an inline script: the admin runs under the same strict CSP as the site.
(function () {
  "use strict";

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copied(button, ok) {
    button.textContent = ok ? "Copied" : "Press Ctrl+C to copy";
    window.setTimeout(function () { button.textContent = "Copy"; }, 2500);
  }

  function copy(button) {
    var node = document.getElementById(button.getAttribute("data-copy-target"));
    if (!node) { return; }
    var text = node.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { copied(button, true); },
        function () { selectText(node); copied(button, false); }
      );
      return;
    }
    // Plain-HTTP admin (development): select the value and use the legacy copy command.
    selectText(node);
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (error) { ok = false; }
    copied(button, ok);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (button) { copy(button); }
  });
})();
