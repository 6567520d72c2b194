"""A public Space visited by strangers: every endpoint, tried by each visitor with the others' runs, uploads and paths.

A real Space-mode server (SPACE_ID set, the owner's token in HF_TOKEN, sign-in on, the fake Hub over HTTP).
Visitors: alice and bob, signed in (gradio's own signed session cookie, as its OAuth callback writes it), and
one anonymous visitor (their gradio_client session). Each owns a finished run and an upload whose texts carry
a marker. Every endpoint `Client.view_api()` lists is called with the others' run names, run folders, model
folders and uploads, and with the hostile strings of tests/hostile.py. Nothing of another may come back or
change on disk, no request may reach the Hub with the owner's token, and the owner's own use still works.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from conftest import rows_for, write_csv
from fake_hub import FakeHub, serve_fake_hub
from hostile import hostile_values
from live_app import serve_app
from page_protocol import EventFailed, Page

from core.config import TrainConfig
from core.runs import lock
from core.training.job import TrainingJob
from core.visitors import Visitor

pytestmark = pytest.mark.heavy  # every test here starts processes or trains

OWNER_TOKEN = "hf_SpaceOwnersSecretToken0000"
TOKENS = {OWNER_TOKEN: "owner", "hf_AlicesOwnToken1111": "alice", "hf_BobsOwnToken2222": "bob"}
LOGINS = {"alice": "hf_AlicesOwnToken1111", "bob": "hf_BobsOwnToken2222", "owner": OWNER_TOKEN}
OUTSIDE_MARKER = "OUTSIDESECRET"
PATHLIKE_LABEL = re.compile(r"model|split|project|run|path|folder|file", re.IGNORECASE)
# Endpoint -> the parameters that take a name or a path (the rest keep their defaults). A new endpoint fails
# the test until it is placed here: every endpoint is either attacked or said to take no path.
PATH_PARAMS: dict[str, tuple[str, ...]] = {
    "/load_file": ("@file_path",),  # '@': a file input, attacked with server paths over raw HTTP
    "/load_hub": ("dataset_id",),
    "/load_example": ("label",),
    "/set_validation": ("@file_path",),
    "/check_data": ("@form",),  # '@form': the form's parameters whose labels name a model, split, run or path
    "/make_nli": (),  # columns of the table already loaded in this session
    "/mine_hard_negatives": ("model_ref",),
    "/model_facts": ("ref",),
    "/show_config": ("@form",),
    "/start_training": ("@form",),
    "/stop_training": (),  # acts on this session's run only (a server-side state)
    "/attach": (),
    "/start_run": ("@yaml",),  # each path field of a YAML config
    "/run_status": ("run_dir",),
    "/similarity": ("model_ref", "base_ref"),
    "/similarity_matrix": ("model_ref", "base_ref"),
    "/search": ("model_ref", "base_ref"),
    "/search_rerank": ("model_ref", "reranker_ref"),
    "/embedding_map": ("model_ref", "@table_path"),
    "/runs": (),
    "/download_model": ("name",),
    "/export_onnx": ("name",),
    "/resume_run": ("name",),
    "/delete_run": ("name",),
    "/push": ("run",),
    "/_check_login_status": (),  # gradio's own, for the login button
}
# the refusals of the owner rule and the path rule (core.visitors, core.paths, core.runs.index.run_path, admission)
OUR_GUARD = re.compile(
    r"not yours|lies outside the folders|is refused: |is not a run name|not a split name|not the model folder of a run"
    r"|must be a plain folder name"
)
# endpoints whose attacked input is refused before the owner or path rule is reached, by design
REFUSED_BEFORE_THE_GUARD = {
    "/load_example",  # a fixed list of example names: gradio refuses any other value
    "/mine_hard_negatives",  # mining needs a table loaded in the session first, then its model is checked
    "/show_config",  # shows the form as YAML and commands; reads no file, loads no model
}
FILLED = {"sentences": "a dog\na cat", "corpus_text": "a dog runs\na cat sleeps", "query": "a dog", "confirmed": True}
FILLED |= {"token": "", "repo_id": "owner/stolen", "exist_ok": True, "message": ""}  # push: the owner's repos, no token
FILLED |= {"table_path": None}  # no table uploaded
YAML_FIELDS = ("data_path", "train_split", "valid_split", "model", "project_name")


def _session_cookie(user: str) -> str:
    """The `session` cookie gradio's OAuth callback sets for a signed-in Hub user (starlette's signed session)."""
    import gradio.oauth
    import itsdangerous

    secret = hashlib.sha256(((gradio.oauth.OAUTH_CLIENT_SECRET or "") + "-v4").encode()).hexdigest()
    info = {
        "userinfo": {"preferred_username": user, "name": user, "profile": f"https://huggingface.co/{user}", "picture": ""},
        "access_token": LOGINS[user],
        "scope": "openid profile write-repos",
        "expires_at": time.time() + 3600,
    }
    data = base64.b64encode(json.dumps({"oauth_info": info}).encode())
    return itsdangerous.TimestampSigner(secret).sign(data).decode()


def _tree(*roots: Path) -> dict[str, str]:
    """Every file under the roots with a hash of its bytes (the lock files left out: reading takes them)."""
    out = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.name.startswith(".training.lock"):
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _texts_of(value) -> str:
    """Everything a result carries, a downloaded file's contents (zips unpacked) included."""
    if isinstance(value, (list, tuple)):
        return "\n".join(_texts_of(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(_texts_of(v) for v in value.values()) + json.dumps(value, default=str)
    text = str(value)
    path = Path(text) if len(text) < 4096 and "\x00" not in text else None
    if path is not None and path.is_file():
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return text + "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
        return text + path.read_bytes().decode("utf-8", "replace")
    return text


@pytest.fixture
def space(tmp_path, monkeypatch, tiny_model):
    """A Space-mode studio with three visitors' runs and uploads, the owner's token set, the fake Hub behind it."""
    import huggingface_hub.constants as constants

    runs, datasets = tmp_path / "runs", tmp_path / "datasets"
    monkeypatch.setenv("SBERT_STUDIO_RUNS", str(runs))
    monkeypatch.setenv("SBERT_STUDIO_DATASETS", str(datasets))
    # one real finished run, trained off the Space, copied as each visitor's
    data = write_csv(tmp_path / "seed.csv", ["anchor", "positive"], rows_for("pair", 40)[1])
    job = TrainingJob(TrainConfig(data_path=str(data), model=tiny_model, batch_size=8, epochs=1), run_dir=str(runs / "seed"))
    assert job.run()["state"] == "finished"
    outside = write_csv(tmp_path / "private" / "secret.csv", ["anchor", "positive"], [[OUTSIDE_MARKER, OUTSIDE_MARKER]] * 3)
    with serve_fake_hub(FakeHub(TOKENS)) as hub:
        import gradio.oauth

        for name, value in {
            "SPACE_ID": "owner/sbert-studio",
            "SYSTEM": "spaces",  # gradio's own Space mode: its real sign-in routes
            "SPACE_AUTHOR_NAME": "owner",
            "HF_TOKEN": OWNER_TOKEN,
            "HF_ENDPOINT": hub.url,
        }.items():
            monkeypatch.setenv(name, value)
        for name in ("OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OAUTH_SCOPES", "OPENID_PROVIDER_URL"):
            # the Space declares `hf_oauth: true` (a login button); gradio read these when it was imported
            monkeypatch.setenv(name, f"{hub.url}/oauth" if name == "OPENID_PROVIDER_URL" else "set-by-the-space")
            monkeypatch.setattr(gradio.oauth, name, os.environ[name], raising=False)
        monkeypatch.setattr(constants, "ENDPOINT", hub.url)
        # downloads build their URL from this template, made from the endpoint when huggingface_hub was imported
        monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", hub.url + "/{repo_id}/resolve/{revision}/{filename}")
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr("core.hub.push._held", {})
        with serve_app() as url:
            from gradio_client import Client

            clients = {
                "alice": Client(url, verbose=False, headers={"Cookie": f"session={_session_cookie('alice')}"}),
                "bob": Client(url, verbose=False, headers={"Cookie": f"session={_session_cookie('bob')}"}),
                "anonymous": Client(url, verbose=False),
            }
            owners = {
                "alice": "alice",
                "bob": "bob",
                "anonymous": Visitor(session=clients["anonymous"].session_hash).identity,
            }
            owned = {}
            for who, identity in owners.items():
                run = runs / f"{who}-run"
                shutil.copytree(runs / "seed", run)
                status = json.loads((run / "status.json").read_text())
                (run / "status.json").write_text(json.dumps(status | {"owner": identity}))
                (run / "model" / "marker.txt").write_text(f"{who.upper()}SECRET model")
                folder = datasets / Visitor(username=None if who == "anonymous" else who, session=None).folder
                if who == "anonymous":
                    folder = datasets / ("session-" + identity.removeprefix("anonymous-"))
                upload = write_csv(folder / f"{who}.csv", ["anchor", "positive"], [[f"{who.upper()}SECRET a", "b"]] * 3)
                link = folder / "innocent.csv"
                link.symlink_to(outside)
                owned[who] = {"run": run, "upload": upload, "link": link, "marker": f"{who.upper()}SECRET"}
            shutil.rmtree(runs / "seed")
            yield {"url": url, "hub": hub, "clients": clients, "owned": owned, "outside": outside, "roots": (runs, datasets)}


def _form_params(endpoint: dict) -> list[str]:
    """The form's text inputs (text boxes, dropdowns that take any value) whose label names a model, split, run or path."""
    return [
        p["parameter_name"]
        for p in endpoint["parameters"]
        if p["type"].get("type") == "string" and PATHLIKE_LABEL.search(p.get("label") or "")
    ]


def _defaults(endpoint: dict) -> dict:
    """What the page would send untouched: each default, None for a dropdown whose default is not one of its choices."""
    values = {}
    for p in endpoint["parameters"]:
        name = p["parameter_name"]
        value = FILLED.get(name, p.get("parameter_default") if p.get("parameter_has_default") else "")
        choices = p["type"].get("enum")
        values[name] = None if choices is not None and value not in choices else value
    return values


def _attacks(api: dict, own: dict, values: list[str]) -> list[tuple[str, dict]]:
    """(endpoint, keyword arguments) for every path-like parameter of every endpoint and every value."""
    calls = []
    for name, endpoint in api["named_endpoints"].items():
        for param in PATH_PARAMS[name]:
            if param.startswith("@") and param not in ("@form", "@yaml"):
                continue  # file inputs: raw HTTP (below)
            targets = _form_params(endpoint) if param == "@form" else [param]
            for value in values:
                if param == "@yaml":
                    for field in YAML_FIELDS:
                        config = {"data_path": str(own["upload"]), "epochs": 1, field: value}
                        calls.append((name, {"config_yaml": json.dumps(config)}))  # JSON is YAML
                    continue
                for target in targets:
                    calls.append((name, _defaults(endpoint) | {target: value}))
    return calls


def _call(page: Page, api: dict, name: str, kwargs: dict) -> tuple[str, str]:
    """One call as a page (or a script) makes it over HTTP; files it returns are downloaded, as a browser would."""
    parameters = [p["parameter_name"] for p in api["named_endpoints"][name]["parameters"]]
    try:
        return "ok", _texts_of(_downloaded(page, page.predict(name, parameters, kwargs)))
    except EventFailed as exc:  # a refusal: the message the page shows
        return "refused", str(exc)


def _downloaded(page: Page, value):
    """`value` with each file it names (gradio's FileData) fetched through its URL to a local file."""
    if isinstance(value, list):
        return [_downloaded(page, v) for v in value]
    if isinstance(value, dict) and (value.get("meta") or {}).get("_type") == "gradio.FileData" and value.get("url"):
        local = Path(tempfile.mkdtemp(prefix="hostile-")) / Path(value["path"]).name
        local.write_bytes(page.http.get(value["url"]).content)
        return str(local)
    if isinstance(value, dict):
        return {k: _downloaded(page, v) for k, v in value.items()}
    return value


# gradio in Space mode starts a hot-reload watcher that needs the `spaces` package; its thread's error is not ours
SPACE_RELOADER = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")


@SPACE_RELOADER
def test_no_visitor_can_read_list_push_stop_delete_zip_or_preview_what_is_anothers(space):
    api = space["clients"]["anonymous"].view_api(return_format="dict", print_info=False)
    assert set(api["named_endpoints"]) == set(PATH_PARAMS), "a new endpoint: say in PATH_PARAMS which inputs are paths"
    before = _tree(*space["roots"], space["outside"].parent)
    # the machine is busy for the whole attack: whatever passes the gate (an attacker's own legitimate-looking
    # run) is refused as busy just after it, so no run starts and every refusal seen is the gate's or the owner's
    busy, _ = lock.acquire(space["roots"][0] / "someone-elses-training", "console")
    try:
        _attack_every_endpoint(space, api)
    finally:
        lock.release(busy)
    assert _tree(*space["roots"], space["outside"].parent) == before  # nothing read was written, nothing deleted
    assert OWNER_TOKEN not in space["hub"].bearers and not space["hub"].repos


def _attack_every_endpoint(space: dict, api: dict) -> None:
    clients, owned = space["clients"], space["owned"]
    config = httpx.get(f"{space['url']}/config").json()
    pages = {  # the same visitors as scripts over raw HTTP, marked as API calls as gradio_client marks its own (so a
        # refusal raises with its message); gradio_client itself costs six times the CPU a call
        who: Page(space["url"], config, session=client.session_hash, headers={**client.headers, "x-gradio-user": "api"})
        for who, client in clients.items()
    }

    for who, client in clients.items():
        own = owned[who]
        others = [o for name, o in owned.items() if name != who]
        values = [
            *(str(o["run"].name) for o in others),
            *(str(o["run"]) for o in others),
            *(str(o["run"] / "model") for o in others),
            *(str(o["upload"]) for o in others),
        ]
        if who == "anonymous":  # the path rule is the same for everyone: one visitor runs the whole table
            values += hostile_values(str(space["outside"]), str(own["link"]))
        forbidden = [o["marker"] for o in others] + [OUTSIDE_MARKER, "root:x:0:0", OWNER_TOKEN]
        calls = _attacks(api, own, values)
        page = pages[who]
        answers = [(call, *_call(page, api, *call)) for call in calls]  # one session: one call after the other
        guarded = {name for (name, _), outcome, text in answers if outcome == "refused" and OUR_GUARD.search(text)}
        unguarded = {name for name, _ in calls} - guarded - REFUSED_BEFORE_THE_GUARD
        assert not unguarded, (
            f"{who}: {unguarded} never met the owner or path rule: {[a[2][:150] for a in answers if a[0][0] in unguarded][:3]}"
        )
        for (name, kwargs), outcome, text in answers:
            leaked = [marker for marker in forbidden if marker in text]
            assert not leaked, f"{who} {name} {kwargs} got {leaked}: {text[:300]}"
            assert "Traceback" not in text, f"{who} {name}: {text[:300]}"
            if outcome == "ok":  # an answer that is not a refusal names nothing of another
                named = [o["run"].name for o in others if o["run"].name in text]
                assert not named, f"{who} {name} {kwargs} answered with {named}: {text[:300]}"
        # the lists this visitor sees hold their own run only
        listing = _texts_of(client.predict(api_name="/runs"))
        assert own["run"].name in listing and not any(o["run"].name in listing for o in others)

    # file inputs: a server path sent as an uploaded file is refused by gradio itself
    for endpoint in ("load_file", "set_validation"):
        for path in (owned["bob"]["upload"], space["outside"], "/etc/passwd"):
            body = {"data": [{"path": str(path), "meta": {"_type": "gradio.FileData"}}]}
            event = httpx.post(f"{space['url']}/gradio_api/call/{endpoint}", json=body).json()["event_id"]
            stream = httpx.get(f"{space['url']}/gradio_api/call/{endpoint}/{event}", timeout=60).text
            assert "event: error" in stream and not any(m in stream for m in ("BOBSECRET", OUTSIDE_MARKER, "root:x")), stream


@SPACE_RELOADER
def test_each_visitor_still_uses_their_own_runs_and_pushes_with_their_own_token(space):
    clients, owned, hub = space["clients"], space["owned"], space["hub"]
    for who, client in clients.items():
        run = owned[who]["run"]
        status = client.predict(str(run), api_name="/run_status")
        assert status["state"] == "finished"
        archive = client.predict(run.name, api_name="/download_model")
        assert f"{who.upper()}SECRET model" in _texts_of(archive)
        answer = client.predict(str(run / "model"), "", "a dog runs", "a cat sleeps", api_name="/similarity")
        assert "cosine similarity" in answer
    # signed in, alice pushes with her sign-in token; the anonymous visitor has none and is told so
    assert "alice/alice-run" in clients["alice"].predict("alice-run", "", "alice/alice-run", True, False, "", api_name="/push")
    assert "alice/alice-run" in hub.repos and set(hub.bearers) == {LOGINS["alice"]}
    with pytest.raises(Exception, match="paste your own token .* or sign in"):
        clients["anonymous"].predict("anonymous-run", "", "owner/x", True, False, "", api_name="/push")
    assert OWNER_TOKEN not in hub.bearers
    # the Space's owner, signed in, sees every run and may push with the Space's own token
    owner = type(clients["alice"])(space["url"], verbose=False, headers={"Cookie": f"session={_session_cookie('owner')}"})
    owner_runs = _texts_of(owner.predict(api_name="/runs"))
    assert all(o["run"].name in owner_runs for o in owned.values())  # the owner sees every run (admin)
    assert "owner/bob-run" in owner.predict("bob-run", "", "owner/bob-run", True, False, "", api_name="/push")
    assert hub.bearers[-1] == OWNER_TOKEN and "owner/bob-run" in hub.repos
