"""Take the README's reranker screenshots: the bundled rerank example picked (the Model tab then says what a
reranker is for), a real run of it on all-MiniLM-L6-v2 with its result card, and the card's "Try it" opening the
Playground's Search, then rerank with that run picked, on the help desk's answers.

.venv/bin/python assets/screenshots/take_rerank.py     # needs /usr/bin/chromium (see .ci/run)
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "assets" / "examples")]


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    os.environ.update(HF_HUB_OFFLINE="1", SBERT_STUDIO_RUNS=str(tmp / "runs"), SBERT_STUDIO_DATASETS=str(tmp / "datasets"))
    from helpdesk import INTENTS
    from live_app import BROWSER_FLAGS, CHROMIUM, serve_app
    from playwright.sync_api import sync_playwright
    from take import tab, train_to_the_end

    answers = sorted({answer for intents in INTENTS.values() for _, answer in intents.values()})
    with serve_app() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(300_000)
        page.goto(url)
        page.click("#data-example input")
        page.get_by_role("option", name=re.compile("rerank")).click()
        page.wait_for_selector("#data-report >> text=BinaryCrossEntropyLoss")
        page.wait_for_timeout(500)
        page.screenshot(path=str(HERE / "rerank-data.png"), full_page=True)
        tab(page, "Model")
        page.wait_for_selector("#trainer-note >> text=reorders")
        page.screenshot(path=str(HERE / "rerank-model.png"), full_page=True)
        train_to_the_end(page, "Your reranker", "rerank-train.png")
        page.click("#card-try")  # the result card hands the reranker to the Playground, its panel opened
        page.wait_for_function("() => (document.querySelector('#pg-reranker input')?.value || '').includes('rerank')")
        page.fill("#pg-corpus textarea", "\n".join(answers))
        page.fill("#pg-query textarea, #pg-query input", "I paid twice for the same ride")
        page.fill("#pg-rerank-k input", "10")
        page.click("#pg-rerank-run")
        page.wait_for_function("() => (document.querySelector('#pg-reranked')?.innerText || '').includes('moved')")
        page.wait_for_timeout(1000)
        page.locator("#pg-rerank").scroll_into_view_if_needed()
        page.screenshot(path=str(HERE / "rerank-playground.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
