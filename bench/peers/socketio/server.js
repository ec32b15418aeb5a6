// The Socket.IO peer of the GameBuddies benchmark (bench/README.md): what the same status
// update costs on Node with Socket.IO, room state in memory, nothing durable.
//
//   node server.js PORT
//
// POST /api/v2/rooms/<code>/players/<id>/status   same path and answer shape as GameBuddies:
//   updates the player in the room's in-memory state, bumps the room version, emits the
//   ~2 KB roomStateUpdate snapshot (GameBuddies' shape, 8 players) to the Socket.IO room
//   <code>, answers {"success": true, "roomVersion": N}.
// Socket.IO at /socket.io/ (websocket transport only): a client emits
//   "join" {room, token} and gets the room's snapshot, then every roomStateUpdate of the room.
// GET /healthz                                     200 once listening.
'use strict';

const http = require('node:http');
const { Server } = require('socket.io');

const PLAYERS_PER_ROOM = 8;
const MAX_BODY_BYTES = 16 * 1024;
const STATUS_PATH = /^\/api\/v2\/rooms\/([^/]+)\/players\/([^/]+)\/status$/;

const rooms = new Map();

function isoNow() {
  return new Date().toISOString();
}

function newRoom(code) {
  const joinedAt = isoNow();
  const players = [];
  for (let i = 0; i < PLAYERS_PER_ROOM; i += 1) {
    players.push({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      name: `${code}-player-${i}`,
      role: i === 0 ? 'host' : 'player',
      isHost: i === 0,
      isConnected: true,
      inGame: false,
      currentLocation: 'lobby',
      status: 'connected',
      isReady: false,
      lastPing: joinedAt,
      gameData: {},
      joinedAt,
      version: 1,
    });
  }
  return {
    code,
    id: `10000000-0000-4000-8000-${code.padStart(12, '0').slice(-12)}`,
    version: 1,
    players,
    byId: new Map(),
    claimed: 0,
  };
}

function roomOf(code) {
  let room = rooms.get(code);
  if (room === undefined) {
    room = newRoom(code);
    rooms.set(code, room);
  }
  return room;
}

// The first eight player ids a room sees take its eight seats; later ones reuse a seat.
function seatOf(room, playerId) {
  let player = room.byId.get(playerId);
  if (player === undefined) {
    player = room.players[room.claimed % PLAYERS_PER_ROOM];
    room.claimed += 1;
    room.byId.delete(player.id);
    player.id = playerId;
    room.byId.set(playerId, player);
  }
  return player;
}

// Same keys, same order as GameBuddies' rooms/snapshot.py (the client reads "version" early).
function snapshot(room, event, changes) {
  return {
    type: 'roomStateUpdate',
    event,
    roomCode: room.code,
    timestamp: isoNow(),
    version: room.version,
    state: {
      room: {
        id: room.id,
        code: room.code,
        status: 'lobby',
        currentGame: null,
        hostId: room.players[0].id,
        maxPlayers: PLAYERS_PER_ROOM,
        settings: {},
        metadata: {},
        version: room.version,
      },
      players: room.players,
    },
    changes,
    source: 'server',
    reliable: true,
  };
}

function answer(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function updateStatus(io, code, playerId, body) {
  const room = roomOf(code);
  const player = seatOf(room, playerId);
  const previousLocation = player.currentLocation;
  if (typeof body.status === 'string') player.status = body.status;
  if (typeof body.location === 'string') player.currentLocation = body.location;
  if (body.metadata && typeof body.metadata === 'object') Object.assign(player.gameData, body.metadata);
  player.lastPing = isoNow();
  player.version += 1;
  room.version += 1;
  const changes = { playerId, status: player.status, location: player.currentLocation, previousLocation };
  io.to(code).emit('roomStateUpdate', snapshot(room, 'player_status_changed', changes));
  return room.version;
}

function main() {
  const port = Number(process.argv[2] || process.env.PORT);
  if (!Number.isInteger(port) || port <= 0) {
    console.error('usage: node server.js PORT');
    process.exit(2);
  }
  let io = null;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      answer(res, 200, { status: 'ok' });
      return;
    }
    const match = req.method === 'POST' ? STATUS_PATH.exec(req.url) : null;
    if (match === null) {
      answer(res, 404, { success: false, error: { code: 'NOT_FOUND' } });
      return;
    }
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      let body;
      try {
        body = size <= MAX_BODY_BYTES ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null;
      } catch {
        body = null;
      }
      if (body === null || typeof body !== 'object') {
        answer(res, 400, { success: false, error: { code: 'VALIDATION_ERROR' } });
        return;
      }
      const version = updateStatus(io, decodeURIComponent(match[1]), decodeURIComponent(match[2]), body);
      answer(res, 200, { success: true, roomVersion: version });
    });
  });
  server.keepAliveTimeout = 65_000;
  io = new Server(server, {
    transports: ['websocket'],
    serveClient: false,
    perMessageDeflate: false,
    httpCompression: false,
    maxHttpBufferSize: MAX_BODY_BYTES,
  });
  io.on('connection', (socket) => {
    socket.on('join', (message) => {
      const code = message && typeof message.room === 'string' ? message.room : null;
      if (code === null) {
        socket.disconnect(true);
        return;
      }
      socket.join(code);
      socket.emit('roomStateUpdate', snapshot(roomOf(code), 'player_connected', {}));
    });
  });
  server.listen(port, '127.0.0.1', 4096);
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
}

main();
