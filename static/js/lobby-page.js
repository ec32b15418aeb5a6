// The lobby page's entry script: starts the lobby (lobby.js) with the data the page carries.

import { startLobby } from "./lobby.js";

startLobby(JSON.parse(document.getElementById("lobby-data").textContent));
