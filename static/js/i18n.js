// Translated interface strings for the scripts. The page carries the table as JSON
// (<script id="ui-strings" type="application/json">, from gamebuddies/ui_strings.py): English
// text -> the page language's text. t() falls back to the English text, then fills {name}
// placeholders; values are plain text and the callers put the result in textContent.

let table = null;

function strings() {
  if (table === null) {
    const node = document.getElementById("ui-strings");
    try {
      table = node ? JSON.parse(node.textContent) : {};
    } catch {
      table = {};
    }
  }
  return table;
}

export function t(text, params = {}) {
  const translated = strings()[text] || text;
  return translated.replace(/\{(\w+)\}/g, (match, key) => (key in params ? String(params[key]) : match));
}
