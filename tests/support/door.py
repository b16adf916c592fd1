"""A door in front of a server, for tests where something goes away and comes back: a
loopback port that refuses every connection while shut and passes each one through to the
server while open."""

from __future__ import annotations

import socket
import socketserver
import threading


class Door:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server: socketserver.ThreadingTCPServer | None = None

    def open(self) -> None:
        door = self

        class Through(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with socket.create_connection(door.target, timeout=30) as inside:
                    back = threading.Thread(target=_pump, args=(inside, self.request))
                    back.start()
                    _pump(self.request, inside)
                    back.join()

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Through)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def shut(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # either side closed: the connection is over
