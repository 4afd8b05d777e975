"""Tool calls: the model asks the device to act.

The device offers its functions with each request (`ConverseRequest.tools_json`, OpenAI-style
tool specs it builds from what it can do; see `edge.cloud_tools`). The cloud only relays:

* to an OpenAI-compatible upstream the specs go as the API's `tools`, and its streamed
  `tool_calls` come back as `ToolCallMade` events (`cloud.upstream`);
* to the embedded model they go into the system prompt (`tools_prompt`), in the
  `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` convention of Hermes-style chat
  templates, and `ToolCallFilter` takes such calls out of the streamed text so that they are
  never spoken.

Either way the service sends each call to the device as a `ToolCall` message. The device
checks it against its inventory and policy, asks for confirmation where its rules say so,
and carries it out: a call is a request, never a command.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)

OPEN = "<tool_call>"
CLOSE = "</tool_call>"
MAX_TOOLS = 32
MAX_TOOLS_BYTES = 16 * 1024
_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments_json: str  # a JSON object


def tools_problem(tools_json: str) -> str | None:
    """Why a request's tool specs cannot be used (None: they can, or there are none)."""
    if not tools_json:
        return None
    if len(tools_json.encode()) > MAX_TOOLS_BYTES:
        return f"tools_json is over {MAX_TOOLS_BYTES} bytes: offer fewer or shorter functions"
    try:
        tools = json.loads(tools_json)
    except (ValueError, RecursionError) as exc:  # (nesting deeper than the parser's stack)
        return f"tools_json is not JSON ({str(exc)[:80]})"
    if not isinstance(tools, list) or len(tools) > MAX_TOOLS:
        return f"tools_json must be a JSON array of at most {MAX_TOOLS} tool specs"
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or tool.get("type") != "function" \
                or not isinstance(function.get("name"), str) \
                or not _NAME.match(function["name"]) \
                or not isinstance(function.get("parameters", {}), dict):
            return ('each tool must be {"type": "function", "function": {"name": [A-Za-z0-9_]'
                    '{1,64}, "description": ..., "parameters": {JSON schema}}}')
    return None


def offered_names(tools_json: str) -> frozenset[str]:
    """The names of the functions a (valid) `tools_json` offers."""
    if not tools_json:
        return frozenset()
    return frozenset(tool["function"]["name"] for tool in json.loads(tools_json))


def tools_prompt(tools_json: str) -> str:
    """The system prompt's part that offers the functions (Hermes-style)."""
    tools = json.loads(tools_json)
    listed = "\n".join(json.dumps(tool["function"], separators=(",", ":")) for tool in tools)
    return (
        "\nYou can also act on the user's devices. The functions:\n<tools>\n" + listed +
        "\n</tools>\nTo call one, write " + OPEN + '{"name": NAME, "arguments": {...}}' +
        CLOSE + " and then say in one short sentence what you did. Only call a function "
        "when the user asks for that action.")


def parse_call(body: str) -> ToolCall | None:
    """`{"name": ..., "arguments": {...}}` -> ToolCall; None (logged) when malformed."""
    try:
        call = json.loads(body)
    except ValueError:
        call = None
    if not isinstance(call, dict):
        log.warning("a malformed tool call from the model was dropped: %.200r", body)
        return None
    return tool_call(call.get("name"), call.get("arguments", {}))


def tool_call(name: object, arguments: object) -> ToolCall | None:
    """A call's name and arguments (an object, or the JSON text of one, as the API and
    some models write them) -> ToolCall; None (logged) when malformed."""
    if not isinstance(name, str) or not _NAME.match(name):
        log.warning("a tool call with a malformed name was dropped: %.200r", name)
        return None
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            arguments = None
    if not isinstance(arguments, dict):
        log.warning("a call of %s without an arguments object was dropped", name)
        return None
    return ToolCall(name, json.dumps(arguments, separators=(",", ":")))


class ToolCallFilter:
    """Streamed model text -> text to speak and `ToolCall`s, in order.

    Holds back only what could still become a tag (a tail like "<tool_"), or a call whose
    closing tag has not come yet; a call never closed by the end of the answer is dropped.
    """

    def __init__(self) -> None:
        self._pending = ""
        self._inside = False

    def push(self, text: str) -> list[str | ToolCall]:
        self._pending += text
        out: list[str | ToolCall] = []
        while True:
            if self._inside:
                end = self._pending.find(CLOSE)
                if end < 0:
                    return out
                call = parse_call(self._pending[:end].strip())
                if call is not None:
                    out.append(call)
                self._pending = self._pending[end + len(CLOSE):]
                self._inside = False
                continue
            start = self._pending.find(OPEN)
            if start >= 0:
                if start:
                    out.append(self._pending[:start])
                self._pending = self._pending[start + len(OPEN):]
                self._inside = True
                continue
            keep = _partial_tag_len(self._pending)
            speak = self._pending[: len(self._pending) - keep]
            if speak:
                out.append(speak)
            self._pending = self._pending[len(self._pending) - keep:]
            return out

    def flush(self) -> str:
        """What is left to speak at the end of the answer."""
        rest = "" if self._inside else self._pending
        if self._inside:
            log.warning("a tool call was never closed: dropped")
        self._pending, self._inside = "", False
        return rest


def _partial_tag_len(text: str) -> int:
    """Length of the longest end of `text` that begins the opening tag."""
    for n in range(min(len(OPEN) - 1, len(text)), 0, -1):
        if OPEN.startswith(text[-n:]):
            return n
    return 0
