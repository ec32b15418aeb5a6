// Optimistic state with real reconciliation (the analysis's useLobbyState, without React).
//
// The view is always "last server snapshot + still-pending local changes replayed on
// top". A change is applied locally under its requestId; the server's ack tells us the
// room version that contains it. When a snapshot of that version (or newer) arrives,
// the local change is dropped because the server state now includes it. A rejected ack
// or a network error reverts it. If the confirming snapshot is late, the caller syncs.

export function createOptimisticStore({ state, version = 0, onChange = () => {} }) {
  let serverState = state;
  let serverVersion = version;
  // { id, apply(state) -> void (mutates a copy), confirmedAt: room version | null }
  let pending = [];

  function view() {
    if (!pending.length) return serverState;
    const copy = structuredClone(serverState);
    for (const change of pending) change.apply(copy);
    return copy;
  }

  function emit() {
    onChange(view(), serverVersion);
  }

  function remove(id) {
    const before = pending.length;
    pending = pending.filter((change) => change.id !== id);
    return pending.length !== before;
  }

  return {
    get version() {
      return serverVersion;
    },
    get state() {
      return view();
    },
    // A snapshot from the server (already ordered by the socket).
    server(state, version) {
      serverState = state;
      serverVersion = version;
      pending = pending.filter((change) => change.confirmedAt === null || change.confirmedAt > version);
      emit();
    },
    apply(id, change) {
      pending.push({ id, apply: change, confirmedAt: null });
      emit();
    },
    // The server accepted `id` at room version `ackVersion`. Returns true while the
    // snapshot carrying it has not arrived yet (the caller then waits, and syncs if late).
    confirm(id, ackVersion) {
      const change = pending.find((c) => c.id === id);
      if (!change) return false;
      if (typeof ackVersion !== "number" || ackVersion <= serverVersion) {
        remove(id);
        emit();
        return false;
      }
      change.confirmedAt = ackVersion;
      return true;
    },
    isPending(id) {
      return pending.some((c) => c.id === id);
    },
    // Rejected, failed, or settled by a sync: forget the local change.
    drop(id) {
      if (remove(id)) emit();
    },
  };
}
