"""Take the README's screenshots: every tab cold (`cold-<tab>.png`), Start refused with no data, then the bundled
pair_score example, all-MiniLM-L6-v2, three epochs (a real run) with its result card, the Runs tab, and the run
opened in the Playground and the Hub tab from the card.

.venv/bin/python assets/screenshots/take.py     # needs /usr/bin/chromium (see .ci/run)
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    os.environ.update(HF_HUB_OFFLINE="1", SBERT_STUDIO_RUNS=str(tmp / "runs"), SBERT_STUDIO_DATASETS=str(tmp / "datasets"))
    from live_app import BROWSER_FLAGS, CHROMIUM, serve_app
    from playwright.sync_api import sync_playwright

    with serve_app() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(120_000)
        page.goto(url)
        for name in TABS:  # a cold page: each tab says what will appear and how
            tab(page, name)
            page.wait_for_timeout(500)
            page.screenshot(path=str(HERE / f"cold-{name.lower()}.png"), full_page=True)
        tab(page, "Train")
        page.click("#train-start")  # no data yet: refused, in the form's words
        page.wait_for_selector("#train-status >> text=Not ready to train")
        page.screenshot(path=str(HERE / "train-refused.png"), full_page=True)
        page.locator("[data-testid='toast-body'] button").first.click()
        tab(page, "Data")
        page.click("#data-example input")
        page.get_by_role("option", name=re.compile("pair_score")).click()
        page.wait_for_selector("#data-report >> text=CoSENTLoss")
        tab(page, "Model")
        page.click("#model-load")
        page.wait_for_selector("#model-facts >> text=384-dimensional")
        page.fill("#param-epochs textarea", "3")
        page.click("#show-config")
        page.wait_for_selector("#config-command >> text=sbert-studio train")
        page.screenshot(path=str(HERE / "model.png"), full_page=True)
        tab(page, "Data")
        page.wait_for_selector("#data-report >> text=Long texts")
        page.screenshot(path=str(HERE / "data.png"), full_page=True)
        train_to_the_end(page, "Your model", "train.png")
        tab(page, "Runs")
        page.wait_for_function("() => (document.querySelector('#runs-table')?.innerText || '').includes('pair_score')")
        page.click("#runs-compare input")
        page.get_by_role("option").first.click()
        page.wait_for_selector("#runs-curves .js-plotly-plot")
        page.click("#runs-table")  # close the dropdown
        page.screenshot(path=str(HERE / "runs.png"), full_page=True)
        tab(page, "Train")
        page.click("#card-try")  # the result card hands the run to the Playground
        page.wait_for_function("() => document.querySelector('#pg-base input')?.value?.includes('MiniLM')")
        page.click("#pg-similarity-run")
        page.wait_for_selector("#pg-similarity >> text=picked model")
        page.click("#pg-corpus-run")
        page.wait_for_selector("#pg-corpus-note >> text=training texts")
        page.fill("#pg-query textarea, #pg-query input", "my card was charged two times for one trip")
        page.click("#pg-search-run")
        page.wait_for_function("() => (document.querySelector('#pg-hits')?.innerText || '').includes('moved')")
        page.click("#pg-map-run")
        page.wait_for_selector("#pg-map .js-plotly-plot")
        page.wait_for_timeout(1000)
        page.screenshot(path=str(HERE / "playground.png"), full_page=True)
        tab(page, "Train")
        page.click("#card-push")  # ... and to the Hub tab, the run picked
        page.wait_for_function("() => document.querySelector('#hub-run input')?.value?.length > 0")
        page.wait_for_timeout(500)
        page.screenshot(path=str(HERE / "hub.png"), full_page=True)
        browser.close()


TABS = ("Data", "Model", "Train", "Playground", "Runs", "Hub")


def train_to_the_end(page, card: str, shot: str) -> None:
    """Start the form's run on the Train tab, wait for it to finish and for its result card (`card` in its heading),
    and take `shot`."""
    tab(page, "Train")
    page.click("#train-start")
    page.wait_for_function("() => document.querySelector('#train-progress .studio-progress').dataset.state === 'finished'")
    page.wait_for_selector(f"#train-card-text >> text={card}")
    page.wait_for_timeout(1500)
    page.screenshot(path=str(HERE / shot), full_page=True)


def tab(page, name: str) -> None:
    page.get_by_role("tab", name=re.compile(name)).click()


if __name__ == "__main__":
    main()
