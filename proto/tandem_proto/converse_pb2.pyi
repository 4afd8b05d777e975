from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ContextTurn(_message.Message):
    __slots__ = ("role", "text")
    class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        ROLE_UNSPECIFIED: _ClassVar[ContextTurn.Role]
        ROLE_USER: _ClassVar[ContextTurn.Role]
        ROLE_ASSISTANT: _ClassVar[ContextTurn.Role]
    ROLE_UNSPECIFIED: ContextTurn.Role
    ROLE_USER: ContextTurn.Role
    ROLE_ASSISTANT: ContextTurn.Role
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    role: ContextTurn.Role
    text: str
    def __init__(self, role: _Optional[_Union[ContextTurn.Role, str]] = ..., text: _Optional[str] = ...) -> None: ...

class ConverseRequest(_message.Message):
    __slots__ = ("device_id", "session_id", "turn_id", "transcript", "context", "max_tokens", "user_id", "tools_json")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TURN_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TOOLS_JSON_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    session_id: str
    turn_id: int
    transcript: str
    context: _containers.RepeatedCompositeFieldContainer[ContextTurn]
    max_tokens: int
    user_id: str
    tools_json: str
    def __init__(self, device_id: _Optional[str] = ..., session_id: _Optional[str] = ..., turn_id: _Optional[int] = ..., transcript: _Optional[str] = ..., context: _Optional[_Iterable[_Union[ContextTurn, _Mapping]]] = ..., max_tokens: _Optional[int] = ..., user_id: _Optional[str] = ..., tools_json: _Optional[str] = ...) -> None: ...

class TextChunk(_message.Message):
    __slots__ = ("text", "index")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    text: str
    index: int
    def __init__(self, text: _Optional[str] = ..., index: _Optional[int] = ...) -> None: ...

class Usage(_message.Message):
    __slots__ = ("prompt_tokens", "completion_tokens")
    PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    prompt_tokens: int
    completion_tokens: int
    def __init__(self, prompt_tokens: _Optional[int] = ..., completion_tokens: _Optional[int] = ...) -> None: ...

class Timings(_message.Message):
    __slots__ = ("queue_ms", "first_token_ms", "total_ms")
    QUEUE_MS_FIELD_NUMBER: _ClassVar[int]
    FIRST_TOKEN_MS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_MS_FIELD_NUMBER: _ClassVar[int]
    queue_ms: float
    first_token_ms: float
    total_ms: float
    def __init__(self, queue_ms: _Optional[float] = ..., first_token_ms: _Optional[float] = ..., total_ms: _Optional[float] = ...) -> None: ...

class Final(_message.Message):
    __slots__ = ("usage", "timings", "finish_reason")
    USAGE_FIELD_NUMBER: _ClassVar[int]
    TIMINGS_FIELD_NUMBER: _ClassVar[int]
    FINISH_REASON_FIELD_NUMBER: _ClassVar[int]
    usage: Usage
    timings: Timings
    finish_reason: str
    def __init__(self, usage: _Optional[_Union[Usage, _Mapping]] = ..., timings: _Optional[_Union[Timings, _Mapping]] = ..., finish_reason: _Optional[str] = ...) -> None: ...

class Error(_message.Message):
    __slots__ = ("code", "message", "retryable")
    class Code(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        CODE_UNSPECIFIED: _ClassVar[Error.Code]
        CODE_OVERLOADED: _ClassVar[Error.Code]
        CODE_DEADLINE: _ClassVar[Error.Code]
        CODE_MODEL: _ClassVar[Error.Code]
        CODE_BAD_REQUEST: _ClassVar[Error.Code]
    CODE_UNSPECIFIED: Error.Code
    CODE_OVERLOADED: Error.Code
    CODE_DEADLINE: Error.Code
    CODE_MODEL: Error.Code
    CODE_BAD_REQUEST: Error.Code
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RETRYABLE_FIELD_NUMBER: _ClassVar[int]
    code: Error.Code
    message: str
    retryable: bool
    def __init__(self, code: _Optional[_Union[Error.Code, str]] = ..., message: _Optional[str] = ..., retryable: _Optional[bool] = ...) -> None: ...

class ToolCall(_message.Message):
    __slots__ = ("name", "arguments_json")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_JSON_FIELD_NUMBER: _ClassVar[int]
    name: str
    arguments_json: str
    def __init__(self, name: _Optional[str] = ..., arguments_json: _Optional[str] = ...) -> None: ...

class ConverseResponse(_message.Message):
    __slots__ = ("chunk", "final", "error", "tool_call")
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    FINAL_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    TOOL_CALL_FIELD_NUMBER: _ClassVar[int]
    chunk: TextChunk
    final: Final
    error: Error
    tool_call: ToolCall
    def __init__(self, chunk: _Optional[_Union[TextChunk, _Mapping]] = ..., final: _Optional[_Union[Final, _Mapping]] = ..., error: _Optional[_Union[Error, _Mapping]] = ..., tool_call: _Optional[_Union[ToolCall, _Mapping]] = ...) -> None: ...
