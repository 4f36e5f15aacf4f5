"""`rag serve`: the real HTTP server on a free loopback port, over fake models (fast) — every endpoint, bad
input, limits, the API key, and a background build while eight clients ask."""

import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn

from rag.server import create_app
from rag.service import Service

from conftest import FakeGenerator

QUESTION = "How much will Orbital spend on new vessels?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningServer:
    """uvicorn in a thread, on a free loopback port; stopped at the end."""

    def __init__(self, app) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join()


@pytest.fixture
def served(settings, embedder):
    service = Service(settings, embedder, FakeGenerator(lambda messages: "$1.5 billion or $1.4 billion"))
    running = RunningServer(create_app(service, max_body_bytes=32_768))
    yield running.url, service
    running.stop()


def test_every_endpoint_answers(served, settings):
    url, _ = served
    assert httpx.get(f"{url}/health").json() == {"status": "ok"}
    answer = httpx.post(f"{url}/ask", json={"question": QUESTION}).json()
    assert answer["answerable"] and re.search(r"\$1\.[45] billion", answer["answer"])
    quote = answer["citations"][0]
    document = httpx.get(f"{url}/documents/{quote['doc_id']}").json()
    assert document["text"][quote["start"]:quote["end"]] == quote["quote"]
    assert {d["doc_id"] for d in httpx.get(f"{url}/documents").json()} == {"orbital", "nordline"}
    summary = httpx.post(f"{url}/summarize", json={"document": "orbital"}).json()
    assert summary["summary"] and summary["key_figures"]
    assert httpx.post(f"{url}/summarize", json={"all": True}).json()["themes"]
    status = httpx.get(f"{url}/index/status").json()
    assert status["built"] and status["documents"] == 2 and status["building"] is False
    page = httpx.get(f"{url}/")
    assert page.status_code == 200 and "<form" in page.text and "cdn" not in page.text.lower()
    docs = httpx.get(f"{url}/docs").text
    assert "/static/swagger/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert httpx.get(f"{url}/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert "/ask" in httpx.get(f"{url}/openapi.json").json()["paths"]


def test_the_stream_sends_the_draft_then_the_checked_answer(served):
    url, _ = served
    with httpx.stream("GET", f"{url}/ask/stream", params={"question": QUESTION}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line.split(": ", 1)[1] for line in response.iter_lines() if line.startswith("event: ")]
    assert events[-1] == "answer" and "draft" in events


def test_bad_requests_get_json_errors_with_the_cli_meanings(served):
    url, _ = served
    bad_json = httpx.post(f"{url}/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.json()["exit_code"] == 2
    empty = httpx.post(f"{url}/ask", json={"question": "   "})
    assert empty.status_code == 400 and "empty" in empty.json()["error"]
    huge = httpx.post(f"{url}/ask", json={"question": "x" * 100_000})
    assert huge.status_code == 413
    long = httpx.post(f"{url}/ask", json={"question": "why " * 400})
    assert long.status_code == 400
    assert httpx.get(f"{url}/ask/stream", params={"question": "x" * 5000}).status_code == 400
    missing = httpx.get(f"{url}/documents/no-such-article")
    assert missing.status_code == 404 and "GET /documents" in missing.json()["error"]
    assert httpx.get(f"{url}/documents/../../etc/passwd").status_code == 404
    assert httpx.post(f"{url}/summarize", json={}).status_code == 400
    assert httpx.post(f"{url}/summarize", json={"document": "nothing-like-it"}).status_code == 400


def test_a_build_while_eight_clients_ask_answers_them_all(served, corpus):
    url, service = served
    (corpus / "helix.txt").write_text("Helix Orders Ships\n\nHelix will spend $3.2 billion on new ships in 2026.",
                                      encoding="utf-8")
    assert httpx.post(f"{url}/index/build").status_code == 202
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: httpx.post(f"{url}/ask", json={"question": QUESTION}, timeout=None),
                                range(8)))
    assert [r.status_code for r in replies] == [200] * 8
    assert all(r.json()["answerable"] for r in replies)
    while httpx.get(f"{url}/index/status").json()["building"]:
        time.sleep(0.05)
    assert service.last_build["ok"], service.last_build
    assert "helix" in {d["doc_id"] for d in httpx.get(f"{url}/documents").json()}


def test_a_second_build_while_one_runs_is_409(served, monkeypatch):
    url, service = served
    release = threading.Event()
    monkeypatch.setattr("rag.service.build_index", lambda *a, **k: release.wait())
    assert httpx.post(f"{url}/index/build").status_code == 202
    second = httpx.post(f"{url}/index/build")
    release.set()
    assert second.status_code == 409 and second.json()["exit_code"] == 5


def test_the_api_key_is_required_on_every_request(settings, embedder):
    service = Service(settings, embedder, FakeGenerator("$1.5 billion"))
    running = RunningServer(create_app(service, api_key="s3cret"))
    try:
        url = running.url
        assert httpx.get(f"{url}/health").status_code == 200  # the probe stays open
        for method, path in [("GET", "/documents"), ("POST", "/ask"), ("GET", "/"), ("GET", "/index/status"),
                             ("POST", "/index/build"), ("GET", "/openapi.json")]:
            denied = httpx.request(method, f"{url}{path}", json={"question": QUESTION})
            assert denied.status_code == 401, path
        assert httpx.get(f"{url}/documents", headers={"X-API-Key": "wrong"}).status_code == 401
        assert httpx.get(f"{url}/documents", headers={"X-API-Key": "s3cret"}).status_code == 200
        assert httpx.get(f"{url}/documents", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        page = httpx.get(f"{url}/", params={"key": "s3cret"})
        assert page.status_code == 200 and page.cookies.get("rag_key") == "s3cret"
        assert httpx.get(f"{url}/documents", cookies={"rag_key": "s3cret"}).status_code == 200
    finally:
        running.stop()


def test_serving_beyond_loopback_needs_an_api_key():
    import subprocess
    import sys
    from pathlib import Path

    rag = Path(sys.executable).parent / "rag"
    result = subprocess.run([str(rag), "serve", "--host", "0.0.0.0", "--port", str(free_port())],
                            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    assert result.returncode == 2 and "--api-key" in result.stderr


def test_without_a_key_only_loopback_host_names_are_answered(served):
    """DNS rebinding: a page on evil.example whose name now points at 127.0.0.1 must not read the corpus."""
    url, _ = served
    assert httpx.get(f"{url}/documents", headers={"Host": "evil.example"}).status_code == 400
    assert httpx.get(f"{url}/documents", headers={"Host": "localhost"}).status_code == 200


def test_a_port_in_use_is_a_one_line_error_before_the_models_load():
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([str(Path(sys.executable).parent / "rag"), "serve", "--port", str(port)],
                                capture_output=True, text=True)
    assert result.returncode == 2 and "--port" in result.stderr and "loading" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
