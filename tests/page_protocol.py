"""One open page of a Gradio app, speaking the browser's own protocol over raw HTTP.

An event is called as the page's JavaScript calls it: join the queue (`/gradio_api/queue/join`) with the event's
inputs, then read its result from the session's event stream (`/gradio_api/queue/data`). No gradio_client: it
costs about 58 ms of CPU a call on this machine against 10 ms here (measured on the `runs` endpoint), which
matters to a benchmark that must not load the machine it measures and to a sweep of a thousand calls.
"""

from __future__ import annotations

import json
import time
import uuid

import httpx

__all__ = ["EventFailed", "Page"]


class EventFailed(Exception):
    """The event ended with an error; the message is what the page would show."""


class Page:
    """A page's session (`session`; gradio names a visitor's session by it) with its headers (a sign-in cookie)."""

    def __init__(self, url: str, config: dict | None = None, *, session: str | None = None, headers: dict | None = None):
        self.url, self.session = url, session or uuid.uuid4().hex[:11]
        self.http = httpx.Client(base_url=url, timeout=60, headers=headers or {})
        self.config = config or self.http.get("/config").json()
        self.events = {d.get("api_name"): d for d in self.config["dependencies"]}
        self._states = {c["id"] for c in self.config["components"] if c.get("type") == "state"}

    def call(self, event: dict, data: list) -> tuple[float, dict]:
        """Join the queue with `event` and read the event stream to its result; returns (seconds, output).

        Raises:
            EventFailed: the event raised (a refusal, a gr.Error), with the message the page shows.
        """
        start = time.perf_counter()
        trigger = event["targets"][0][0] if event.get("targets") else None
        body = {"data": data, "event_data": None, "fn_index": event["id"], "trigger_id": trigger, "session_hash": self.session}
        joined = self.http.post("/gradio_api/queue/join", json=body)
        joined.raise_for_status()
        event_id = joined.json()["event_id"]
        with self.http.stream("GET", "/gradio_api/queue/data", params={"session_hash": self.session}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed" and message.get("event_id") == event_id:
                    if not message.get("success"):
                        raise EventFailed(f"{event.get('api_name')} failed: {json.dumps(message.get('output'))}")
                    return time.perf_counter() - start, message["output"]
        raise RuntimeError(f"{event.get('api_name')}: the event stream ended without the result")

    def predict(self, api_name: str, parameters: list[str], values: dict) -> list:
        """The named endpoint with `values` by parameter name (`parameters`: their order, as /gradio_api/info lists
        them); a page's server-side states are sent as None, as the page does. Returns the outputs."""
        event = self.events[api_name.lstrip("/")]
        given = iter([values[name] for name in parameters])
        data = [None if component in self._states else next(given) for component in event["inputs"]]
        return self.call(event, data)[1]["data"]
