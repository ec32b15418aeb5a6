// Moved to static/gamebuddies/room-socket.js (the public socket module). Kept because this
// URL was published (docs/integration.md), and sdk.js copies still cached by browsers import it.
export * from "../gamebuddies/room-socket.js";
