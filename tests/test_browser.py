"""End to end in a real browser: Debian's Chromium driven by Playwright, against the app served for real.

A person uploads a CSV, keeps the suggested roles, types the path of the tiny test model, trains,
and watches the loss plot gain points until the state reads finished; then starts a longer run
and stops it halfway. The browser must exist: in CI `.ci/run` installs it, and a missing one
fails here rather than skipping.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from conftest import rows_for, write_csv
from live_app import BROWSER_FLAGS, CHROMIUM, serve_app

pytestmark = pytest.mark.slow


@pytest.fixture
def page(runs_root, tmp_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
    monkeypatch.setenv("SBERT_STUDIO_DATASETS", str(tmp_path / "datasets"))
    with serve_app() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(HANG_GUARD * 1000)  # a hang guard: each wait ends on its event
        page.goto(url)
        yield page
        browser.close()


# An upper bound on waiting for a run to end, only so that a hung run cannot hang the suite: a busy machine is
# slow, never wrong, so the verdict is the run's end, never this clock.
HANG_GUARD = 900

LOSS_POINTS = (
    "(() => { const g = document.querySelector('#loss-plot .js-plotly-plot');"
    " return g && g.data && g.data.length ? g.data[0].x.length : 0; })()"
)


def loss_points(page) -> int:
    """How many raw loss points the plotly chart in #loss-plot holds now."""
    return page.evaluate("() => " + LOSS_POINTS)


def progress_state(page) -> str | None:
    return page.get_attribute("#train-progress .studio-progress", "data-state")


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=re.compile(name)).click()


def test_upload_train_watch_and_stop_a_second_run_in_the_browser(page, tiny_model, tmp_path):
    _, rows = rows_for("pair_score", 400)
    csv_path = write_csv(tmp_path / "similar.csv", ["sentence1", "sentence2", "score"], rows)

    page.set_input_files("#data-file input[type=file]", str(csv_path))
    page.wait_for_selector("#data-preview >> text=sentence2")
    assert page.input_value("#role-sentence1 input") == "sentence1"
    assert page.input_value("#role-target input") == "score"
    page.wait_for_selector("#data-report >> text=CoSENTLoss")

    open_tab(page, "Model")
    assert page.input_value("#trainer-type input") == "pair_score"
    page.fill("#base-model input", tiny_model)
    page.keyboard.press("Enter")
    page.fill("#param-epochs textarea", "4")  # ~360 steps: several seconds, so several refreshes (once a second) while it trains
    page.fill("#param-batch-size textarea", "4")

    open_tab(page, "Train")
    page.click("#train-start")
    # the page may show an earlier run of this server (it re-attaches to the last one) until this one starts
    page.wait_for_function("() => document.querySelector('#train-progress .studio-progress').dataset.state !== 'finished'")
    # the run's end is what the loop waits for; HANG_GUARD only stops a hung run from hanging the suite
    seen, deadline = set(), time.time() + HANG_GUARD
    while time.time() < deadline and progress_state(page) != "finished":
        seen.add(loss_points(page))
        assert progress_state(page) != "failed", page.inner_text("#train-status")
        time.sleep(0.3)
    assert progress_state(page) == "finished", page.inner_text("#train-status")
    page.wait_for_function("n => " + LOSS_POINTS + " >= n", arg=max(1, *seen))  # the last refresh is drawn too
    seen.add(loss_points(page))
    assert len({n for n in seen if n > 0}) >= 2, f"the loss plot never gained points while training: {sorted(seen)}"
    assert "finished" in page.inner_text("#train-status")
    page.wait_for_function("() => document.querySelector('#train-summary').innerText.includes('Spearman (cosine) ★ main')")

    # the result card: which model was saved, its figure before -> after in words, and what to do next
    page.wait_for_selector("#train-card-text >> text=Your model")
    text = page.inner_text("#train-card-text")
    if "base model" in text and "kept" in text:  # do-no-harm kept the base model: the card says why, with both figures
        assert "best trained weights" in text, text
    else:
        assert "Spearman (cosine) on your validation data" in text and "→" in text, text
    code = page.inner_text("#card-code")
    assert "SentenceTransformer(" in code and "/model" in code and "model.similarity" in code
    open_tab(page, "Playground")  # it picked the run that just ended by itself
    page.wait_for_function("() => document.querySelector('#pg-model input').value.includes('pair_score')")
    open_tab(page, "Train")
    page.click("#card-download")
    page.wait_for_selector("#card-zip >> text=.zip")
    page.click("#card-try")
    page.wait_for_selector("#pg-similarity-run", state="visible")  # the Playground tab is open

    # a second, longer run: stopped halfway, it ends as stopped with its model saved
    open_tab(page, "Model")
    page.fill("#param-epochs textarea", "200")
    open_tab(page, "Train")
    page.click("#train-start")
    page.wait_for_function(
        "() => { const p = document.querySelector('#train-progress .studio-progress');"
        " return p && p.dataset.state === 'training' && Number(p.dataset.step) > 0; }"
    )
    page.click("#train-start")  # a second start while it trains is refused, naming the run
    page.wait_for_selector("text=is still training")
    page.reload()  # a reloaded page re-attaches to the run that trains, and keeps following it
    open_tab(page, "Train")
    before = int(page.wait_for_selector("#train-progress .studio-progress[data-state=training]").get_attribute("data-step"))
    page.wait_for_function(f"() => Number(document.querySelector('#train-progress .studio-progress').dataset.step) > {before}")
    page.click("#train-stop")
    page.wait_for_function("() => document.querySelector('#train-progress .studio-progress').dataset.state === 'stopped'")
    step = int(page.get_attribute("#train-progress .studio-progress", "data-step"))
    total = int(page.get_attribute("#train-progress .studio-progress", "data-max-steps"))
    assert 0 < step < total
    assert "model in `model/`" in page.inner_text("#train-folder") or "model/" in page.inner_text("#train-folder")


def test_playground_compares_a_finished_run_with_its_base_and_the_runs_tab_deletes_it(page, runs_root, tmp_path, tiny_model):
    from core.config import TrainConfig
    from core.training.job import TrainingJob

    # a cold page: no run yet, and the Runs and Hub tabs say how one gets there instead of showing empty boxes
    open_tab(page, "Runs")
    page.wait_for_selector("#runs-empty >> text=No runs yet")
    assert not page.is_visible("#runs-table") and not page.is_visible("#runs-curves")
    open_tab(page, "Hub")
    page.wait_for_selector("#hub-run-note >> text=No finished run yet")

    data = write_csv(tmp_path / "pairs.csv", ["anchor", "positive"], rows_for("pair", 60)[1])
    job = TrainingJob(TrainConfig(data_path=str(data), model=tiny_model, batch_size=8), run_dir=str(runs_root / "demo-run"))
    assert job.run()["state"] == "finished"
    copy_run(runs_root, "demo-run", "older-run", hours=-1)  # a second run, started an hour earlier
    page.reload()  # the picker lists the runs there are when the page loads
    open_tab(page, "Playground")
    page.wait_for_function("() => document.querySelector('#pg-model input').value.includes('demo-run')")
    page.wait_for_function(f"() => document.querySelector('#pg-base input').value === {tiny_model!r}")
    assert not page.is_visible("#pg-hits") and not page.is_visible("#pg-map")  # no result before it is asked for
    page.click("#pg-similarity-run")
    page.wait_for_selector("#pg-similarity >> text=picked model")

    page.fill("#pg-corpus textarea", "\n".join(f"the dog runs {i}" for i in range(30)) + "\na cat sleeps\nthe car drives")
    page.fill("#pg-query textarea, #pg-query input", "a cat")
    page.click("#pg-search-run")
    page.wait_for_function("() => (document.querySelector('#pg-hits')?.innerText || '').includes('moved')")
    page.wait_for_function("() => (document.querySelector('#pg-hits-base')?.innerText || '').includes('score')")
    page.click("#pg-map-run")
    page.wait_for_selector("#pg-map .js-plotly-plot")
    # results made from other choices do not stay: another corpus hides the hits and the map
    page.fill("#pg-corpus textarea", "a bird sings\na fish swims\na cat sleeps")
    page.wait_for_selector("#pg-hits", state="hidden")
    page.wait_for_selector("#pg-map", state="hidden")
    assert "picked model" in page.inner_text("#pg-similarity")  # the pair's texts and models did not change
    page.click("#pg-search-run")
    page.wait_for_function("() => (document.querySelector('#pg-hits')?.innerText || '').includes('a cat sleeps')")
    # ... and another model hides every result, the similarity line too
    page.fill("#pg-base input", str(runs_root / "older-run" / "model"))
    page.keyboard.press("Enter")
    page.wait_for_selector("#pg-hits", state="hidden")
    page.wait_for_function("() => !document.querySelector('#pg-similarity').innerText.includes('picked model')")

    # the run picked on the Runs tab stays picked across tab switches, and Delete acts on that one
    open_tab(page, "Runs")
    page.wait_for_function("() => (document.querySelector('#runs-table')?.innerText || '').includes('older-run')")
    page.wait_for_function("() => document.querySelector('#runs-pick input').value === 'demo-run'")  # the newest
    assert not page.is_visible("#runs-curves")  # no empty plot: the curves come with the runs picked to compare
    page.click("#runs-compare input")
    page.locator("#runs-compare").get_by_role("option", name="demo-run").click()
    page.wait_for_selector("#runs-curves .js-plotly-plot")
    page.keyboard.press("Escape")  # the list closes
    page.click("#runs-pick input")
    page.locator("#runs-pick").get_by_role("option", name="older-run").click()
    open_tab(page, "Playground")
    copy_run(runs_root, "demo-run", "newest-run", hours=1)  # meanwhile a newer run appears
    open_tab(page, "Runs")
    page.wait_for_function("() => (document.querySelector('#runs-table')?.innerText || '').includes('newest-run')")
    assert page.input_value("#runs-pick input") == "older-run"  # read again, the list kept the pick
    page.click("#runs-delete")
    page.wait_for_selector("text=to delete run 'older-run'")  # not without the confirmation
    assert (runs_root / "older-run").is_dir()
    left = ["older-run", "newest-run", "demo-run"]  # after a delete the newest is picked
    while left:
        name = left.pop(0)
        page.wait_for_function(f"() => document.querySelector('#runs-pick input').value === {name!r}")
        page.check("#runs-delete-confirm input")
        page.click("#runs-delete")
        page.wait_for_function(f"() => !(document.querySelector('#runs-body')?.innerText || '').includes({name!r})")
        assert not (runs_root / name).exists() and all((runs_root / other).is_dir() for other in left)
        page.wait_for_function("() => !document.querySelector('#runs-delete-confirm input')?.checked")  # unticked again
    page.wait_for_selector("#runs-empty >> text=No runs yet")  # the last one gone: the empty state again


def test_two_browsers_one_trains_the_other_is_told_busy_keeps_the_playground_and_sees_only_its_upload(
    runs_root, tmp_path, monkeypatch, tiny_model
):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("SBERT_STUDIO_DATASETS", str(tmp_path / "datasets"))
    alice_csv = write_csv(tmp_path / "alice.csv", ["sentence1", "sentence2", "score"], rows_for("pair_score", 400)[1])
    bob_csv = write_csv(tmp_path / "bob.csv", ["question", "answer"], rows_for("qa", 40, seed=7)[1])
    with serve_app() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS, headless=True)
        alice, bob = (browser.new_context(viewport={"width": 1400, "height": 1000}).new_page() for _ in range(2))
        for page in (alice, bob):
            page.set_default_timeout(HANG_GUARD * 1000)  # a hang guard: each wait ends on its event
            page.goto(url)

        # Alice uploads her table and starts a long run
        alice.set_input_files("#data-file input[type=file]", str(alice_csv))
        alice.wait_for_selector("#data-preview >> text=sentence2")
        open_tab(alice, "Model")
        alice.fill("#base-model input", tiny_model)
        alice.keyboard.press("Enter")
        alice.fill("#param-epochs textarea", "200")
        alice.fill("#param-batch-size textarea", "4")
        open_tab(alice, "Train")
        alice.click("#train-start")
        alice.wait_for_selector("#train-progress .studio-progress[data-state=training]")

        # Bob's upload is his own: his page shows his columns, Alice's page still shows hers
        bob.set_input_files("#data-file input[type=file]", str(bob_csv))
        bob.wait_for_selector("#data-preview >> text=answer")
        assert "sentence2" not in bob.inner_text("#data-preview")
        assert "answer" not in alice.inner_text("#data-preview") and "sentence2" in alice.inner_text("#data-preview")

        # Bob may not start a run while Alice's trains: he is told who holds the studio
        open_tab(bob, "Model")
        bob.fill("#base-model input", tiny_model)
        bob.keyboard.press("Enter")
        open_tab(bob, "Train")
        bob.click("#train-start")
        bob.wait_for_selector("text=the studio is busy")
        assert alice.get_attribute("#train-progress .studio-progress", "data-state") == "training"

        # ... but the playground still answers him while Alice trains
        open_tab(bob, "Playground")
        bob.fill("#pg-model input", tiny_model)
        bob.keyboard.press("Enter")
        bob.fill("#pg-base input", tiny_model)
        bob.keyboard.press("Enter")
        bob.click("#pg-similarity-run")
        bob.wait_for_selector("#pg-similarity >> text=cosine similarity")
        assert alice.get_attribute("#train-progress .studio-progress", "data-state") == "training"

        alice.click("#train-stop")
        alice.wait_for_selector("#train-progress .studio-progress[data-state=stopped]")
        browser.close()


def copy_run(runs_root: Path, name: str, copy: str, hours: float) -> None:
    """A copy of a finished run, as if started `hours` later (earlier when negative)."""
    import json
    import shutil

    shutil.copytree(runs_root / name, runs_root / copy)
    status = json.loads((runs_root / copy / "status.json").read_text())
    (runs_root / copy / "status.json").write_text(json.dumps(status | {"started_at": status["started_at"] + 3600 * hours}))


# every element that reads "Error" alone: gradio's badge on an output that entered its error state
ERROR_BADGES = (
    "() => [...document.querySelectorAll('body *')].filter(e => e.childElementCount === 0"
    " && e.textContent.trim() === 'Error' && e.offsetParent !== null).length"
)
WARNING_TOAST = "[data-testid='toast-body'].warning"


def told(page, where: str, text: str) -> None:
    """`where` says `text` and a warning toast is up (never an error one); no output shows gradio's Error badge.
    Each toast is closed after it is read, so the next mistake's is its own."""
    page.wait_for_selector(f"{where} >> text={text}")
    toast = page.wait_for_selector(WARNING_TOAST)
    assert page.locator("[data-testid='toast-body'].error").count() == 0
    assert page.evaluate(ERROR_BADGES) == 0, f"an output turned into an Error badge after: {text}"
    toast.query_selector("button").click()
    page.wait_for_selector(WARNING_TOAST, state="detached")


def upload(page, path: Path) -> None:
    """Choose a file in the Data tab's upload box, clearing the file it shows first (as a person would)."""
    clear = page.locator("#data-file button[aria-label='Clear']")
    if clear.count():
        clear.click()
    page.set_input_files("#data-file input[type=file]", str(path))


def start_is_refused(page, runs_root: Path, why: str) -> None:
    """Start on the Train tab is refused, its status saying `why`, and no run folder is made."""
    open_tab(page, "Train")
    page.click("#train-start")
    told(page, "#train-status", why)
    assert not runs_root.exists() or not any(runs_root.iterdir())


def test_a_newcomer_s_mistakes_each_get_one_message_and_leave_every_control_working(page, runs_root, tmp_path):
    # a cold page shows no empty boxes: what has no content yet is hidden, and the page says what will appear
    assert "No table yet" in page.inner_text("#data-summary") and not page.is_visible("#data-preview")
    open_tab(page, "Model")
    assert not page.is_visible("#config-yaml")
    # (the Train tab's cold state is not checked here: the server re-attaches to the last run an earlier test made)

    # Start with no data at all: refused in words that name the tab and field; nothing started
    start_is_refused(page, runs_root, "“Table” (Data tab)")

    # the bundled-example list opened and closed without a choice: nothing happens, nothing breaks
    open_tab(page, "Data")
    page.click("#data-example input")
    page.keyboard.press("Escape")
    page.click("#intro")
    assert page.evaluate(ERROR_BADGES) == 0 and page.locator(WARNING_TOAST).count() == 0

    # a good table first, so that later mistakes can be seen to leave it shown
    good = write_csv(tmp_path / "good.csv", ["sentence1", "sentence2", "score"], rows_for("pair_score", 60)[1])
    upload(page, good)
    page.wait_for_selector("#data-preview >> text=sentence2")

    # an empty file, a malformed one, and a Hub dataset while offline: one message each, the table stays
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 this is not a parquet file at all")
    for bad in (empty, broken):
        upload(page, bad)
        told(page, "#data-summary", bad.name)
        assert "sentence2" in page.inner_text("#data-preview")
        assert page.is_visible("#role-sentence1") and page.is_visible("#role-target")
    page.fill("#data-hub-id textarea, #data-hub-id input", "nobody/no-such-dataset")
    page.click("#data-hub-load")
    told(page, "#data-summary", "nobody/no-such-dataset")
    assert "sentence2" in page.inner_text("#data-preview")

    # a one-column table: the data report says it is not ready, and Start refuses it rather than failing a run
    one = write_csv(tmp_path / "one-column.csv", ["text"], [[f"a lonely sentence {i}"] for i in range(50)])
    upload(page, one)
    page.wait_for_selector("#data-report >> text=Not ready to train")
    start_is_refused(page, runs_root, "Not ready to train")

    # an empty search in the playground: one message, the result tables keep their place
    open_tab(page, "Playground")
    page.click("#pg-search-run")
    page.wait_for_selector(WARNING_TOAST)
    assert page.evaluate(ERROR_BADGES) == 0
    assert page.is_visible("#pg-search-run") and not page.is_visible("#pg-hits")  # no result, and no empty table
