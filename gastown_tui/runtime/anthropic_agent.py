"""The builtin agent loop (DESIGN §5): Claude on the Anthropic Messages API with our tools.

The loop sends the conversation, runs every `tool_use` the model asks for (WorktreeTools) and
sends the results back, until the model ends its turn or a bound is hit: `max_turns` API calls
or `max_session_tokens` input+output tokens (per run: `resume` after an operator's reply starts
a fresh budget, the totals keep counting). An API error that may pass (a 5xx,
429, a timeout or a refused connection) is retried `api_retries` times with doubling backoff;
any other (a 401, a 400) stops at once. Nothing here raises for those: the caller gets an
`AgentOutcome` saying how it ended and the tokens used, and escalates.

The client is the official SDK (`anthropic.Anthropic()`, base URL and key from the
environment); the transcript goes to `say` with the key, should it ever turn up in a text,
replaced.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anthropic
from anthropic.types import CacheControlEphemeralParam

from gastown_tui.core.display_text import visible
from gastown_tui.runtime.agent_tools import TOOL_SPECS, WorktreeTools

ENDED = "end_turn"
TURN_LIMIT = "turn_limit"
TOKEN_LIMIT = "token_limit"
API_FAILED = "api_failed"
SHOWN_RESULT_LINES = 12
CACHED: CacheControlEphemeralParam = {"type": "ephemeral"}
NUDGE_PREFIX = "Typed into your session (a nudge from the town or the operator): "


@dataclass(frozen=True)
class AgentLimits:
    max_turns: int = 60
    max_session_tokens: int = 2_000_000
    max_output_tokens: int = 8192
    api_retries: int = 4
    backoff_seconds: float = 2.0
    backoff_cap_seconds: float = 60.0


@dataclass
class AgentOutcome:
    status: str = ENDED  # ENDED, TURN_LIMIT, TOKEN_LIMIT or API_FAILED
    turns: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    detail: str = ""
    models: list[str] = field(default_factory=list)

    def add_usage(self, usage: Any) -> None:
        self.input_tokens += int(getattr(usage, "input_tokens", 0) or 0)
        self.output_tokens += int(getattr(usage, "output_tokens", 0) or 0)
        self.cache_write_tokens += int(getattr(usage, "cache_creation_input_tokens", 0) or 0)
        self.cache_read_tokens += int(getattr(usage, "cache_read_input_tokens", 0) or 0)

    @property
    def total_tokens(self) -> int:
        return (self.input_tokens + self.output_tokens + self.cache_write_tokens
                + self.cache_read_tokens)  # fmt: skip


Say = Callable[[str], None]


def _retryable(error: anthropic.APIError) -> bool:
    if isinstance(error, anthropic.APIConnectionError):  # timeouts included
        return True
    status = getattr(error, "status_code", 0)
    return isinstance(status, int) and (status >= 500 or status in (408, 409, 429))


def with_cache_point(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`messages` with a cache breakpoint on the last block of the last one (a copy): each
    request then reads the conversation so far from the prompt cache and adds only its new
    turn, so a long session pays the cache-read price for its history (cache tokens are
    counted and priced separately). With the system prompt's, two of the four breakpoints."""
    if not messages:
        return messages
    last = messages[-1]
    content = last["content"]
    blocks = [{"type": "text", "text": content}] if isinstance(content, str) else list(content)
    if not blocks:
        return messages
    blocks[-1] = {**blocks[-1], "cache_control": CACHED}
    return [*messages[:-1], {**last, "content": blocks}]


def _assistant_content(response: Any) -> list[dict[str, Any]]:
    """The response's blocks as request params (text and tool_use; anything else is dropped)."""
    content: list[dict[str, Any]] = []
    for block in response.content:
        if block.type == "text":
            content.append({"type": "text", "text": block.text})
        elif block.type == "tool_use":
            content.append({"type": "tool_use", "id": block.id, "name": block.name,
                            "input": block.input})  # fmt: skip
    return content


def _shown(text: str, lines: int = SHOWN_RESULT_LINES) -> str:
    kept = text.splitlines()
    more = f"\n    … {len(kept) - lines} more lines" if len(kept) > lines else ""
    return "\n".join(f"    {visible(line)}" for line in kept[:lines]) + more


def _describe_call(name: str, arguments: dict[str, Any]) -> str:
    if name == "run":
        command = visible(str(arguments.get("command", "")), keep_newlines=True)
        return "$ " + command.replace("\n", "\n  ")
    if name == "write_file":
        size = len(str(arguments.get("content", "")))
        return f"write_file {visible(str(arguments.get('path', '')))} ({size} chars)"
    return f"{name} {visible(str(arguments.get('path', '.')))}"


class AgentLoop:
    """One session's conversation: `run()` drives it to an outcome; `resume()` carries it on
    after one (an operator's reply), with a fresh budget of turns and tokens. Lines put in
    `inbox` (nudges typed into the pane) reach the model with the next request."""

    def __init__(
        self,
        client: anthropic.Anthropic,
        model: str,
        system: str,
        tools: WorktreeTools,
        limits: AgentLimits,
        say: Say,
        sleep: Callable[[float], None] = time.sleep,
        inbox: queue.Queue[str] | None = None,
    ) -> None:
        self.client = client
        self.model = model
        self.system = system
        self.tools = tools
        self.limits = limits
        self.say = say
        self.sleep = sleep
        self.inbox = inbox
        self.messages: list[dict[str, Any]] = []
        self.outcome = AgentOutcome()  # kept up to date, so a caller's `finally` sees usage

    def run(self, first_message: str) -> AgentOutcome:
        self.messages = [{"role": "user", "content": first_message}]
        return self._drive()

    def resume(self, text: str) -> AgentOutcome:
        self._add_user_text(text)
        return self._drive()

    def _add_user_text(self, text: str) -> None:
        last = self.messages[-1] if self.messages else None
        if last is None or last["role"] != "user":
            self.messages.append({"role": "user", "content": [{"type": "text", "text": text}]})
        elif isinstance(last["content"], str):
            last["content"] = [{"type": "text", "text": last["content"]},
                               {"type": "text", "text": text}]  # fmt: skip
        else:
            last["content"].append({"type": "text", "text": text})

    def _take_nudges(self) -> None:
        while self.inbox is not None and not self.inbox.empty():
            line = self.inbox.get_nowait()
            self._add_user_text(f"{NUDGE_PREFIX}{line}")

    def _drive(self) -> AgentOutcome:
        outcome = self.outcome
        first_turn, first_tokens = outcome.turns, outcome.total_tokens
        while True:
            if outcome.turns - first_turn >= self.limits.max_turns:
                outcome.status = TURN_LIMIT
                outcome.detail = f"reached the limit of {self.limits.max_turns} turns"
                return outcome
            if outcome.total_tokens - first_tokens >= self.limits.max_session_tokens:
                outcome.status = TOKEN_LIMIT
                outcome.detail = (f"used {outcome.total_tokens - first_tokens} tokens, the "
                                  f"limit is {self.limits.max_session_tokens}")  # fmt: skip
                return outcome
            self._take_nudges()
            response = self._create(self.messages)
            if response is None:
                outcome.status = API_FAILED
                return outcome
            outcome.turns += 1
            outcome.add_usage(response.usage)
            if response.model and response.model not in outcome.models:
                outcome.models.append(str(response.model))
            content = _assistant_content(response)
            self.messages.append({"role": "assistant", "content": content})
            results = self._run_tools(content)
            if response.stop_reason != "tool_use" or not results:
                outcome.status = ENDED
                outcome.detail = f"the model ended its turn ({response.stop_reason})"
                return outcome
            self.messages.append({"role": "user", "content": results})

    def _create(self, messages: list[dict[str, Any]]) -> Any:
        """One API call with bounded retries; None (and outcome.detail) when it failed."""
        attempts = self.limits.api_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self.client.messages.create(
                    model=self.model, max_tokens=self.limits.max_output_tokens,
                    system=[{"type": "text", "text": self.system, "cache_control": CACHED}],
                    messages=with_cache_point(messages),  # type: ignore[arg-type]
                    tools=TOOL_SPECS,  # type: ignore[arg-type]
                )  # fmt: skip
            except anthropic.APIError as error:
                problem = f"{type(error).__name__}: {error}"
                if not _retryable(error) or attempt == attempts:
                    self.outcome.detail = (f"the Messages API failed after {attempt} "
                                           f"attempt(s): {problem}")  # fmt: skip
                    self.say(f"! {self.outcome.detail}")
                    return None
                delay = min(self.limits.backoff_seconds * 2 ** (attempt - 1),
                            self.limits.backoff_cap_seconds)  # fmt: skip
                self.say(f"! API attempt {attempt}/{attempts} failed ({problem}); "
                         f"retrying in {delay:g}s")  # fmt: skip
                self.sleep(delay)
        return None

    def _run_tools(self, content: list[dict[str, Any]]) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for block in content:
            if block["type"] == "text" and block["text"].strip():
                self.say(f"assistant: {visible(block['text'], keep_newlines=True)}")
            if block["type"] != "tool_use":
                continue
            arguments = block["input"] if isinstance(block["input"], dict) else {}
            self.say(f"> {_describe_call(block['name'], arguments)}")
            result = self.tools.call(block["name"], arguments)
            self.say(("  error:\n" if result.is_error else "") + _shown(result.text))
            results.append({"type": "tool_result", "tool_use_id": block["id"],
                            "content": result.text, "is_error": result.is_error})  # fmt: skip
        return results
