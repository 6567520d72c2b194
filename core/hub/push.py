"""Push a finished run's model to the Hugging Face Hub, with the studio's facts in its model card.

The push uploads the run's saved `model/` folder as it is (huggingface_hub's `create_repo` and
`upload_folder`: nothing is loaded, and the model card sentence-transformers wrote at training
travels), after a "Trained with SBERT Studio" section is
added to that card: data, trainer, loss, parameters, baseline -> final metric. A failed push
(bad token, no write access, repo exists, no network) is a HubError with its own message, and
can be retried: nothing about the run changes.

The token is passed to huggingface_hub and nowhere else: never written, logged or returned.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.environment import on_space, space_admins
from core.errors import StudioError
from core.hub.access import ensure_hub_reachable
from core.prompts import Prompts
from core.runs.folder import RunFolder

__all__ = [
    "CARD_MARKER",
    "HubError",
    "default_repo_id",
    "enrich_model_card",
    "hold_space_token",
    "hub_token",
    "push_run",
    "whoami",
]

CARD_MARKER = "## Trained with SBERT Studio"
TOKEN_VARIABLES = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")
_held: dict[str, str] = {}  # the Space owner's token, taken out of the environment (hold_space_token)


def hold_space_token() -> None:
    """On a Space, take the owner's token out of the environment and keep it in memory only.

    huggingface_hub reads $HF_TOKEN by itself: left in the environment, every download a visitor asks for
    (a private base model of the owner's, say) and every child process (a run) would use it. After this,
    only `hub_token`, for the Space's admins, hands it out. Off a Space nothing changes.
    """
    if not on_space():
        return
    for name in TOKEN_VARIABLES:
        value = os.environ.pop(name, None)
        if value and "token" not in _held:
            _held["token"] = value


def _owner_token() -> str | None:
    if on_space():
        return _held.get("token") or os.environ.get("HF_TOKEN") or None
    return os.environ.get("HF_TOKEN") or None


class HubError(StudioError):
    """A push or a Hub lookup failed; the message says why and what to do."""


def hub_token(given: str | None = None, *, login_token: str | None = None, login_name: str | None = None) -> str | None:
    """The token a push or a user-name lookup uses; the one place that decides it (CLI, push, Hub tab).

    In order: the token typed (or given to the console), the visitor's sign-in token, then $HF_TOKEN.
    On a Space $HF_TOKEN is the Space owner's secret: it is used only for a signed-in visitor who is the
    Space's author or named in $SBERT_STUDIO_ADMINS (`login_name`), never for anyone else. Never a token
    file: the studio reads only what it is given.
    """
    typed = (given or "").strip()
    if typed:
        return typed
    if login_token:
        return login_token
    if not on_space() or (login_name and login_name in space_admins()):
        return _owner_token()
    return None


def _no_token() -> HubError:
    if on_space():
        return HubError(
            "no Hub token: paste your own token (huggingface.co/settings/tokens, with write access) or sign in with "
            "Hugging Face; this Space's own token is for its owner only"
        )
    return HubError("no Hub token: paste one (huggingface.co/settings/tokens, with write access) or set HF_TOKEN")


def _explain(exc: Exception, repo_id: str | None = None) -> HubError:
    """A HubError naming the cause (the token's text never appears: huggingface_hub does not echo it)."""
    status = getattr(getattr(exc, "response", None), "status_code", None)
    where = f" '{repo_id}'" if repo_id else ""
    if status == 401:
        return HubError("the Hub refused the token (401): it is wrong or expired; paste a token with write access")
    if status == 403:
        return HubError(f"the token may not write to{where} (403): use a token with write access to that user or organisation")
    if status == 409:
        return HubError(
            f"the repo{where} already exists (409): tick “Push to an existing repo” to add a new commit, or pick another id"
        )
    if isinstance(exc, (ConnectionError, TimeoutError)) or type(exc).__name__ in (
        "ConnectError",
        "ConnectTimeout",
        "ReadTimeout",
    ):
        return HubError(f"the Hub could not be reached ({type(exc).__name__}); check the network and push again")
    return HubError(f"the push{where} failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}")


def whoami(token: str | None) -> str:
    """The user name `token` belongs to (`hub_token`'s rule: given, else $HF_TOKEN off a Space)."""
    from huggingface_hub import HfApi

    token = hub_token(token)
    if not token:
        raise _no_token()
    ensure_hub_reachable("whoami", "the account of the token", HubError, push=True)
    try:
        return HfApi(token=token).whoami()["name"]
    except Exception as exc:  # huggingface_hub raises HTTP and connection errors of many types
        raise _explain(exc) from None


def default_repo_id(run_dir: str | Path, user: str) -> str:
    """`<user>/<run name>`, with characters the Hub refuses replaced."""
    name = "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(run_dir).name).strip("-.") or "model"
    return f"{user}/{name[:90]}"


def enrich_model_card(run_dir: str | Path) -> Path:
    """Add (once) the studio's section to the run's model card; returns the card's path."""
    folder = RunFolder(run_dir)
    card = folder.model_dir / "README.md"
    text = card.read_text(encoding="utf-8") if card.is_file() else ""
    if CARD_MARKER in text:
        return card
    status = folder.read_status() or {}
    config = folder.read_config()
    report = folder.read_report()
    rows = report.get("rows_kept", {})
    params = ", ".join(f"{k} {config.get(k)}" for k in ("epochs", "batch_size", "lr", "warmup_ratio", "max_seq_length", "seed"))
    before, after = status.get("baseline"), status.get("final")
    metric = status.get("primary_metric") or "metric"
    lines = [
        "",
        CARD_MARKER,
        "",
        f"- Base model: `{config.get('model')}`",
        f"- Trainer type: `{status.get('trainer') or config.get('trainer')}`, loss `{status.get('loss') or config.get('loss')}`",
        f"- Data: `{Path(str(config.get('data_path', ''))).name}`, {rows.get('train', '?')} training rows, "
        f"{rows.get('validation', '?')} validation rows ({report.get('validation', {}).get('source', 'validation split')})",
        f"- Parameters: {params}",
    ]
    if report.get("search_model"):  # a reranker: what finds its candidates, and how it loads
        lines.append(
            f"- A reranker (CrossEncoder): `CrossEncoder(...).rank(query, documents)` reorders the documents a search model "
            f"found; trained and measured behind `{report['search_model']}`, reranking each validation query's top "
            "candidates (the figure before training is that search model's own ranking)"
        )
    else:
        lines.append(
            f"- Prompts: {Prompts.from_record(report.get('prompts') or {}).describe()}; the saved model applies them in "
            "`encode_query` / `encode_document`"
        )
    if report.get("lora"):
        adapter = report["lora"]
        lines.append(
            f"- LoRA: rank {adapter['rank']}, alpha {adapter['alpha']}, dropout {adapter['dropout']} on "
            f"{', '.join(adapter['targets'])}; {adapter['trainable_parameters']:,} of {adapter['parameters']:,} parameters "
            "trained, the adapter merged into the base weights (this folder loads without peft)"
        )
    if status.get("kept_base") and before is not None:
        trained = status.get("trained")
        lines.append(
            f"- Validation {metric}: {before:.4f} before training; this is the **base model, kept**: training did not beat it"
            + (f" (the trained weights scored {trained:.4f})" if trained is not None else "")
        )
    elif before is not None and after is not None:
        lines.append(f"- Validation {metric}: {before:.4f} before training → {after:.4f} after ({after - before:+.4f})")
    if status.get("warning"):
        lines.append(f"- **Warning**: {status['warning']}")
    card.write_text(text.rstrip("\n") + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return card


def _files(model_dir: Path, include_onnx: bool) -> list:
    """One commit of the model folder; without its ONNX export, neither `onnx/` nor the card's section about it."""
    from huggingface_hub import CommitOperationAdd

    from core.export.serving import without_card_section

    operations = []
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        name = path.relative_to(model_dir).as_posix()
        if not include_onnx and name.startswith("onnx/"):
            continue
        content = path
        if name == "README.md" and not include_onnx:
            content = without_card_section(path.read_text(encoding="utf-8")).encode("utf-8")
        operations.append(CommitOperationAdd(path_in_repo=name, path_or_fileobj=content))
    return operations


def push_run(
    run_dir: str | Path,
    repo_id: str,
    token: str | None,
    *,
    private: bool = False,
    commit_message: str | None = None,
    exist_ok: bool = False,
    include_onnx: bool = False,
) -> str:
    """Push the run's model folder to `repo_id`; returns the repo's URL. `include_onnx`: with its ONNX export
    (`onnx/`, exported first, int8 too, when the run has none); without it, `onnx/` stays local.

    Raises:
        HubError: no model yet, no token, a malformed repo id, or the Hub's refusal (each its own message).
    """
    from huggingface_hub import HfApi

    folder = RunFolder(run_dir)
    status = folder.read_status() or {}
    if not folder.has_model:
        raise HubError(f"run '{folder.name}' has no saved model (state {status.get('state')}); only an ended run can be pushed")
    token = hub_token(token)
    if not token:
        raise _no_token()
    repo_id = (repo_id or "").strip()
    if repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise HubError(f"repo id '{repo_id}' must look like 'user/name' or 'organisation/name'")
    ensure_hub_reachable(repo_id, "model repo", HubError, push=True)
    if include_onnx:
        from core.export.run import FP32, export_run

        if not (folder.model_dir / "onnx" / FP32).is_file():
            export_run(folder.path, int8=True, log=lambda line: None)
    enrich_model_card(folder.path)
    api = HfApi(token=token)
    try:  # the folder as it is: nothing is loaded, so a model that needs remote code pushes like any other
        api.create_repo(repo_id, private=private, exist_ok=exist_ok, repo_type="model")
        api.create_commit(
            repo_id=repo_id,
            operations=_files(folder.model_dir, include_onnx),
            commit_message=commit_message
            or f"Add {status.get('trainer') or ''} model trained with SBERT Studio".replace("  ", " "),
        )
    except Exception as exc:  # huggingface_hub raises HTTP and connection errors of many types
        raise _explain(exc, repo_id) from None
    from huggingface_hub import constants

    return f"{constants.ENDPOINT.rstrip('/')}/{repo_id}"
