"""`rag serve` with the real models on the shipped articles, as a user runs it: a subprocess on a free loopback
port; the API under concurrent use during a build; the web page driven in real headless Chromium."""

import os
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from conftest import REPO, SHIPPED_CORPUS

BIN = Path(sys.executable).parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
QUESTION = "What share does Alibaba hold in China?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """No time limit on start-up: a slow or busy machine must not fail a correctness test."""
    folder = tmp_path_factory.mktemp("serve")
    corpus = folder / "corpus"
    shutil.copytree(SHIPPED_CORPUS, corpus)
    port = free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    process = subprocess.Popen([str(BIN / "rag"), "serve", "--port", str(port), "--corpus", str(corpus),
                                "--index", str(folder / "index")], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    while True:
        if process.poll() is not None:
            pytest.fail(f"rag serve exited {process.returncode}: {process.stdout.read()}")
        try:
            if httpx.get(f"{url}/health").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    yield url, corpus
    process.terminate()
    process.wait()


@pytest.mark.slow
def test_real_answers_summaries_and_stream(server):
    url, _ = server
    answer = httpx.post(f"{url}/ask", json={"question": QUESTION}, timeout=None).json()
    assert answer["answerable"] and "36%" in answer["answer"] and "China" in answer["answer"]
    refused = httpx.post(f"{url}/ask", json={"question": "How many employees does Alibaba have?"}, timeout=None)
    assert refused.json()["answerable"] is False and refused.json()["citations"] == []
    with httpx.stream("GET", f"{url}/ask/stream", params={"question": QUESTION}, timeout=None) as response:
        lines = list(response.iter_lines())
    assert "event: draft" in lines and lines.count("event: answer") == 1
    summary = httpx.post(f"{url}/summarize", json={"document": "000_2167265db7fad3f8"}, timeout=None).json()
    assert "36%" in {k["figure"] for k in summary["key_figures"]}


@pytest.mark.slow
def test_a_build_while_eight_clients_ask_with_real_models(server):
    url, corpus = server
    (corpus / "extra.txt").write_text("Nordline Orders Ships\n\nNordline will spend $2.1 billion on electric "
                                      "ships in 2026, the company said.", encoding="utf-8")
    assert httpx.post(f"{url}/index/build").status_code == 202
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: httpx.post(f"{url}/ask", json={"question": QUESTION}, timeout=None),
                                range(8)))
    assert [r.status_code for r in replies] == [200] * 8
    assert all("36%" in r.json()["answer"] for r in replies)
    while (status := httpx.get(f"{url}/index/status").json())["building"]:
        time.sleep(0.2)
    assert status["last_build"]["ok"] and status["documents"] == 3
    answer = httpx.post(f"{url}/ask", json={"question": "How much will Nordline spend on electric ships?"},
                        timeout=None).json()
    assert "$2.1 billion" in answer["answer"]


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                    reason="chromium and chromedriver are not installed (make test installs them where it can)")
def test_the_page_answers_and_highlights_the_quoted_sentence(server, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    url, _ = server
    shots = Path(os.environ.get("RAG_SCREENSHOTS", tmp_path))
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,900",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    wait = WebDriverWait(driver, timeout=600)  # generous: a busy machine answers slowly, never wrongly
    try:
        driver.get(url + "/")
        wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "#documents li")))
        driver.find_element(By.ID, "question").send_keys(QUESTION)
        driver.find_element(By.ID, "ask").click()
        wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "#answer.final .cite")))
        answer = driver.find_element(By.ID, "answer").text
        assert "36%" in answer and "China" in answer
        driver.save_screenshot(str(shots / "serve-answer.png"))
        marker = driver.find_element(By.CSS_SELECTOR, "#answer .cite")
        quote = driver.execute_script("return citations[arguments[0]].quote", marker.get_attribute("data-cite"))
        marker.click()
        mark = wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "mark#quoted")))
        assert " ".join(mark.text.split()) == " ".join(quote.split()) and "36%" in quote
        in_view = driver.execute_script(
            "const r = arguments[0].getBoundingClientRect(), box = document.getElementById('article-text')"
            ".getBoundingClientRect(); return r.top >= box.top && r.bottom <= box.bottom;", mark)
        assert in_view, "the quoted sentence was not scrolled into view"
        driver.save_screenshot(str(shots / "serve-article.png"))
        driver.find_element(By.ID, "question").clear()
        driver.find_element(By.ID, "question").send_keys("How many employees does Alibaba have?")
        driver.find_element(By.ID, "ask").click()
        refused = wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "#answer.refused")))
        assert "does not contain" in refused.text
        driver.find_element(By.CSS_SELECTOR, "[data-summarise='000_2167265db7fad3f8']").click()
        table = wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "#summary table")))
        assert "$53 billion" in table.text and "36%" in table.text
        assert len(driver.find_elements(By.CSS_SELECTOR, "#summary li")) >= 3
        driver.save_screenshot(str(shots / "serve-summary.png"))
    finally:
        driver.quit()
    from PIL import Image

    for name in ("serve-answer.png", "serve-article.png"):
        colours = Image.open(shots / name).convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours and len(colours) > 50, f"{name} is blank"
    highlight = Image.open(shots / "serve-article.png").convert("RGB").getcolors(maxcolors=1_000_000)
    assert sum(count for count, rgb in highlight if rgb == (0xff, 0xe0, 0x66)) > 500, "no highlighted sentence"
