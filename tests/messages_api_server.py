"""A local stand-in for the Anthropic Messages API on 127.0.0.1, for the real SDK to talk to.

It answers `POST /v1/messages` (non-streaming) from a script: each entry is a response (see
`tool_turn`, `end_turn`, `failure`) or a function of the request body returning one; when the
script runs out it ends the turn. A reply without a model names the one asked for. Every
request is kept (body and headers) for the test to inspect. Run it with `serving(script)`: a
ThreadingHTTPServer in a daemon thread, shut down afterwards.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Body = dict[str, Any]
# A reply's usage: (input, output) or (input, output, cache writes, cache reads).
USAGE_FIELDS = ("input_tokens", "output_tokens", "cache_creation_input_tokens",
                "cache_read_input_tokens")  # fmt: skip


@dataclass(frozen=True)
class Reply:
    status: int
    body: Body


ScriptEntry = Reply | Callable[[Body], Reply]


def _message(content: list[Body], stop: str, usage: tuple[int, ...], model: str | None) -> Body:
    return {"id": "msg_local", "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": stop, "stop_sequence": None,
            "usage": dict(zip(USAGE_FIELDS, usage, strict=False))}  # fmt: skip


def tool_turn(
    calls: list[tuple[str, Body]], usage: tuple[int, ...], text: str = "", model: str | None = None
) -> Reply:
    """The model asks for tools: `calls` is (tool name, input) in order."""
    content: list[Body] = [{"type": "text", "text": text}] if text else []
    content += [{"type": "tool_use", "id": f"toolu_{i}_{name}", "name": name, "input": args}
                for i, (name, args) in enumerate(calls)]  # fmt: skip
    return Reply(200, _message(content, "tool_use", usage, model))


def end_turn(text: str, usage: tuple[int, ...], model: str | None = None) -> Reply:
    return Reply(200, _message([{"type": "text", "text": text}], "end_turn", usage, model))


def failure(status: int = 500, message: str = "overloaded, try again") -> Reply:
    kind = "api_error" if status >= 500 else "invalid_request_error"
    return Reply(status, {"type": "error", "error": {"type": kind, "message": message}})


@dataclass
class MessagesApiServer:
    script: list[ScriptEntry]
    requests: list[Body] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, body: Body, headers: dict[str, str]) -> Reply:
        with self.lock:
            self.requests.append(body)
            self.headers.append(headers)
            entry = self.script.pop(0) if self.script else end_turn("All done.", (1, 1))
        reply = entry(body) if callable(entry) else entry
        if reply.status == 200 and reply.body.get("model") is None:  # the model asked for
            reply = Reply(200, {**reply.body, "model": body.get("model", "unknown")})
        return reply

    def sent_key(self, index: int) -> str:
        """The key request `index` carried (the SDK sends it as a bearer token or x-api-key)."""
        headers = self.headers[index]
        return headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")

    def tool_results(self, index: int) -> list[Body]:
        """The tool_result blocks the request `index` sent back."""
        last = self.requests[index]["messages"][-1]["content"]
        return [block for block in last if isinstance(block, dict)
                and block.get("type") == "tool_result"]  # fmt: skip


def _handler(server: MessagesApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path.split("?")[0] != "/v1/messages":
                reply = failure(404, f"no route {self.path}")
            else:
                reply = server.answer(body, {k.lower(): v for k, v in self.headers.items()})
            payload = json.dumps(reply.body).encode()
            try:
                self.send_response(reply.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client is gone (a session killed while it waited): nobody to answer

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            return

    return Handler


@contextmanager
def serving(script: list[ScriptEntry]) -> Iterator[MessagesApiServer]:
    api = MessagesApiServer(list(script))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    api.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
