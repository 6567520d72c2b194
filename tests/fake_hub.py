"""A fake Hugging Face Hub: a real HTTP server on 127.0.0.1 speaking the endpoints a push uses.

huggingface_hub talks to it exactly as to huggingface.co once HF_ENDPOINT (and its constant)
point here: `GET /api/whoami-v2`, `POST /api/repos/create`, `POST /api/models/<repo>/preupload/<rev>`
(every file is answered "regular", so files travel inline) and `POST /api/models/<repo>/commit/<rev>`
(NDJSON: a header line, then one line per file with base64 content), and `POST /api/validate-yaml`
for the model card's metadata. Files that arrive are kept in
`repos[repo_id][path]`; every request is kept in `requests` so tests can look for leaked secrets.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from live_app import free_port


class FakeHub:
    def __init__(self, tokens: dict[str, str], *, read_only: set[str] = frozenset()) -> None:
        self.tokens = tokens  # token -> user name
        self.read_only = set(read_only)  # tokens that may not write
        self.repos: dict[str, dict[str, bytes]] = {}
        self.private: dict[str, bool] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path)
        self.bearers: list[str] = []  # the token of each request that carried one
        self.url = ""

    # ------------------------------------------------------------------ protocol
    def handle(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict | list | None]:
        self.requests.append((method, path))
        bearer = (headers.get("authorization") or "").removeprefix("Bearer ").strip()
        if bearer:
            self.bearers.append(bearer)
        if method == "POST" and path == "/api/validate-yaml":  # the model card's metadata is checked before upload
            return 200, {}
        if method == "GET" and path.startswith("/api/") and not path.startswith("/api/whoami"):
            return 404, {"error": "Repository not found"}  # it serves no model or dataset: any id is unknown
        user = self.tokens.get((headers.get("authorization") or "").removeprefix("Bearer ").strip())
        if user is None:
            return 401, {"error": "Invalid credentials in Authorization header"}
        token = headers.get("authorization").removeprefix("Bearer ").strip()
        if method == "GET" and path == "/api/whoami-v2":
            role = "read" if token in self.read_only else "write"
            return 200, {"type": "user", "name": user, "auth": {"accessToken": {"displayName": "t", "role": role}}}
        if method == "POST" and path == "/api/repos/create":
            data = json.loads(body or b"{}")
            repo_id = f"{data.get('organization') or user}/{data['name']}"
            if token in self.read_only or repo_id.split("/")[0] != user:
                return 403, {"error": f"You don't have the rights to create a model under the namespace {repo_id.split('/')[0]}"}
            if repo_id in self.repos:
                return 409, {"error": "You already created this model repo", "url": f"{self.url}/{repo_id}"}
            self.repos[repo_id] = {}
            self.private[repo_id] = bool(data.get("private")) or data.get("visibility") == "private"
            return 200, {"url": f"{self.url}/{repo_id}", "name": repo_id, "id": repo_id}
        parts = path.split("/")
        if method == "POST" and len(parts) >= 6 and parts[1:3] == ["api", "models"] and parts[5] in ("preupload", "commit"):
            repo_id = f"{parts[3]}/{parts[4]}"
            if repo_id not in self.repos:
                return 404, {"error": "Repository not found"}
            if token in self.read_only or parts[3] != user:
                return 403, {"error": "You don't have the rights to write to this repo"}
            if parts[5] == "preupload":
                files = json.loads(body)["files"]
                return 200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]}
            for line in body.decode().splitlines():
                item = json.loads(line)
                if item.get("key") == "file":
                    value = item["value"]
                    self.repos[repo_id][value["path"]] = base64.b64decode(value["content"])
            oid = "0" * 40
            return 200, {"commitUrl": f"{self.url}/{repo_id}/commit/{oid}", "commitOid": oid, "pullRequestUrl": None}
        return 404, {"error": f"the fake Hub does not know {method} {path}"}


@contextlib.contextmanager
def serve_fake_hub(hub: FakeHub):
    """Serve `hub` on a free port; yield it with `hub.url` set."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            status, payload = hub.handle(method, self.path.split("?")[0], self.headers, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            if status == 404:
                self.send_header("x-error-code", "RepositoryNotFound")
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._answer("GET")

        def do_POST(self):
            self._answer("POST")

        def do_HEAD(self):  # reachable; but it holds no model files (a download fails at once, as for an unknown id)
            hub.requests.append(("HEAD", self.path))
            self.send_response(404)
            self.send_header("x-error-code", "RepositoryNotFound")
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    hub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
