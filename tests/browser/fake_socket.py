"""A scripted stand-in for the page's WebSocket: an init script replaces window.WebSocket (so the
real lobby.js runs unchanged under the real CSP), and FakeServer plays the server, deciding when
acks and snapshots arrive, or that they never do."""

from __future__ import annotations

FAKE_WEBSOCKET = """
window.__sockets = [];
class FakeSocket {
  constructor(url) {
    this.url = url; this.readyState = 0; this.sent = []; this.closedWith = null;
    window.__sockets.push(this);
  }
  send(text) { if (this.readyState !== 1) throw new Error("not open"); this.sent.push(JSON.parse(text)); }
  close(code = 1000) { this.closedWith = code; this.readyState = 3; }
  serverOpen() { this.readyState = 1; this.onopen && this.onopen({}); }
  serverSend(message) { this.onmessage && this.onmessage({ data: JSON.stringify(message) }); }
  serverClose(code) { this.readyState = 3; this.onclose && this.onclose({ code }); }
}
FakeSocket.CONNECTING = 0; FakeSocket.OPEN = 1; FakeSocket.CLOSING = 2; FakeSocket.CLOSED = 3;
window.WebSocket = FakeSocket;
"""


class FakeServer:
    def __init__(self, page):
        self.page = page

    def count(self) -> int:
        return self.page.evaluate("window.__sockets.length")

    def poll(self, expression: str, timeout: float = 5000):
        # Polled from here: page.wait_for_function would need eval, which our CSP forbids.
        waited = 0
        while waited <= timeout:
            value = self.page.evaluate(f"() => {expression}")
            if value:
                return value
            self.page.wait_for_timeout(25)
            waited += 25
        raise AssertionError(f"timed out waiting for {expression}")

    def wait_for_socket(self, index: int) -> None:
        self.poll(f"window.__sockets.length > {index}")

    def open(self, index: int) -> None:
        self.page.evaluate(f"window.__sockets[{index}].serverOpen()")

    def send(self, index: int, message: dict) -> None:
        self.page.evaluate(f"(m) => window.__sockets[{index}].serverSend(m)", message)

    def close(self, index: int, code: int) -> None:
        self.page.evaluate(f"window.__sockets[{index}].serverClose({code})")

    def sent(self, index: int) -> list[dict]:
        return self.page.evaluate(f"window.__sockets[{index}].sent")

    def wait_for_request(self, index: int, kind: str, after: int = 0, timeout: float = 5000) -> dict:
        self.poll(f"window.__sockets[{index}].sent.slice({after}).some(m => m.type === '{kind}')", timeout)
        return next(m for m in self.sent(index)[after:] if m["type"] == kind)

    def ack(self, index: int, request: dict, *, version=None, error: dict | None = None) -> None:
        body = {"type": "ack", "requestId": request["requestId"], "success": error is None, "version": version}
        if error:
            body["error"] = error
        self.send(index, body)
