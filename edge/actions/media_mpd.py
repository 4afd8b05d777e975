"""Media on a real player: MPD (the Music Player Daemon) over its TCP protocol.

play, pause, resume, next, previous, volume and mute. Each action opens its own short
connection (MPD is local and answers in a millisecond; one long-lived connection would have
to be kept alive and shared between worker threads). Mute sets the volume to 0 and keeps the
level it had, which unmute restores.
"""

from __future__ import annotations

import threading

import mpd

from edge.actions.messages import ActionResult, MediaCommand


class MpdBackend:
    def __init__(self, host: str = "127.0.0.1", port: int = 6600) -> None:
        self.host, self.port = host, port
        self._muted_volume: int | None = None
        self._lock = threading.Lock()  # mute/unmute read-modify-write

    def execute(self, action: MediaCommand, timeout_s: float) -> ActionResult:
        client = mpd.MPDClient()
        client.timeout = timeout_s
        try:
            client.connect(self.host, self.port)
        except (OSError, mpd.ConnectionError) as exc:
            return ActionResult(False, f"the music player at {self.host}:{self.port} is not "
                                       f"reachable ({exc.__class__.__name__})")
        try:
            with self._lock:
                return self._run(client, action)
        except (mpd.CommandError, mpd.ProtocolError) as exc:
            return ActionResult(False, f"the music player refused it ({exc})")
        except (OSError, mpd.ConnectionError):  # timeouts included
            return ActionResult(False, "the music player did not answer in time")
        finally:
            try:
                client.close()
                client.disconnect()
            except (OSError, mpd.ConnectionError):
                pass

    @staticmethod
    def _search_play(client: mpd.MPDClient, query: str) -> ActionResult:
        """Replace the queue with what the library has for `query` (its tags first, then
        file names) and play it; nothing found leaves the queue as it was."""
        query = query.strip()
        if not query:
            return ActionResult(False, "there was nothing to look for")
        found = client.search("any", query) or client.search("file", query)
        files = [song["file"] for song in found if "file" in song]
        if not files:
            return ActionResult(False, f"nothing in the music library matches {query!r}")
        client.clear()
        for file in files:
            client.add(file)
        client.play(0)
        return ActionResult(True, state=f"playing {len(files)} tracks")

    def _run(self, client: mpd.MPDClient, action: MediaCommand) -> ActionResult:
        command = action.command
        if command == "state":
            status = client.status()
            return ActionResult(True, state=f"{status.get('state')} volume {status.get('volume')}")
        if command == "play":
            client.play()
        elif command == "pause":
            client.pause(1)
        elif command == "resume":
            client.pause(0)
        elif command == "next":
            client.next()
        elif command == "previous":
            client.previous()
        elif command == "set_volume":
            client.setvol(max(0, min(100, int(action.value or 0))))
            self._muted_volume = None
        elif command == "mute":
            volume = int(client.status().get("volume", -1))
            if volume < 0:
                return ActionResult(False, "the music player has no volume control")
            if volume > 0:
                self._muted_volume = volume
            client.setvol(0)
        elif command == "search_play":
            return self._search_play(client, action.query or "")
        elif command == "unmute":
            client.setvol(self._muted_volume if self._muted_volume is not None else 50)
            self._muted_volume = None
        status = client.status()
        return ActionResult(True, state=status.get("state"))
