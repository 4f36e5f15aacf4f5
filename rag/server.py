"""`rag serve`: the HTTP API and the web page over one warm Service.

Errors are JSON `{"error", "exit_code"}` with the meanings of the CLI's exit codes: 400 bad input (2), 404 no
such article, 409 a build already running (5), 413 request too large, 503 corpus or index missing, damaged or
stale, or a model file bad (3, 4, 6), 401 a missing or wrong API key. Every path an endpoint reads comes from
the index (documents by id), never from the request."""

from __future__ import annotations

import hmac
import json
import queue
import threading
from pathlib import Path
from typing import Iterator

import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware
from pydantic import BaseModel, Field

from .errors import (CorpusError, IndexBusyError, IndexCorruptError, IndexMissingError, IndexStaleError, InputError,
                     ModelError, RagError)
from .query import MAX_QUESTION_CHARS
from .schema import Answer
from .service import Service
from .summarize import Summary

WEB = Path(__file__).parent / "web"
STATUS_OF = [(InputError, 400), (IndexBusyError, 409), (CorpusError, 503), (IndexMissingError, 503),
             (IndexCorruptError, 503), (IndexStaleError, 503), (ModelError, 503)]
OPEN_PATHS = ("/health",)  # answered without the API key: a load balancer's probe


class AskRequest(BaseModel):
    question: str = Field(max_length=MAX_QUESTION_CHARS, description="The question, as `rag ask` takes it.")
    k: int | None = Field(None, ge=1, le=50, description="Chunks to retrieve.")


class SummarizeRequest(BaseModel):
    document: str | None = Field(None, description="Article id, path or title fragment.")
    all: bool = Field(False, description="Summarise across all articles, grouped by theme, with disagreements.")
    topic: str | None = Field(None, max_length=MAX_QUESTION_CHARS, description="Summarise what the corpus says on a topic.")


class DocumentInfo(BaseModel):
    doc_id: str
    title: str
    path: str
    chars: int


class DocumentText(DocumentInfo):
    text: str = Field(description="The cleaned text: every citation's start/end offsets point into it.")


LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1", "[::1]"]


def create_app(service: Service, api_key: str | None = None, max_body_bytes: int = 32_768) -> FastAPI:
    """Without an API key the app answers only requests addressed to a loopback name (the Host header): a web
    page elsewhere that rebinds its own domain to 127.0.0.1 (DNS rebinding) cannot read the corpus."""
    app = FastAPI(title="rag", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Cited answers and summaries over a folder of articles, offline.")
    app.mount("/static/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")
    _add_guards(app, api_key, max_body_bytes)
    if not api_key:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=LOOPBACK_NAMES)
    _add_error_handlers(app)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        return HTMLResponse((WEB / "index.html").read_text(encoding="utf-8"))

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="rag API",
                                   swagger_js_url="/static/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger/swagger-ui.css", swagger_favicon_url="")

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.post("/ask", response_model=Answer)
    def ask(request: AskRequest) -> Answer:
        """The same answer as `rag ask --json`."""
        return service.ask(request.question, k=request.k)

    @app.get("/ask/stream")
    def ask_stream(question: str, k: int | None = None) -> StreamingResponse:
        """Server-Sent Events: `draft` events with the text as the model writes it, then one `answer` event with
        the checked answer (the JSON of POST /ask), or one `error` event."""
        if len(question) > MAX_QUESTION_CHARS:
            raise InputError(f"the question is {len(question):,} characters long; at most {MAX_QUESTION_CHARS:,}")
        return StreamingResponse(_stream(service, question, k), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    @app.post("/summarize", response_model=Summary)
    def summarize(request: SummarizeRequest) -> Summary:
        return service.summarize(request.document, request.all, request.topic)

    @app.get("/documents", response_model=list[DocumentInfo])
    def documents() -> list[DocumentInfo]:
        return [DocumentInfo(doc_id=d.doc_id, title=d.title, path=d.path, chars=len(d.text))
                for d in service.documents()]

    @app.get("/documents/{doc_id:path}", response_model=DocumentText)
    def document(doc_id: str):
        found = service.document(doc_id)
        if found is None:
            return _error(404, f"no article {doc_id!r} in the index: GET /documents lists them", 2)
        return DocumentText(doc_id=found.doc_id, title=found.title, path=found.path, chars=len(found.text),
                            text=found.text)

    @app.get("/index/status")
    def status() -> dict:
        return service.status()

    @app.post("/index/build", status_code=202)
    def build() -> dict:
        """An incremental build in the background; readers keep answering from the last good index."""
        service.start_build()
        return {"started": True, "status": "/index/status"}

    return app


def _stream(service: Service, question: str, k: int | None) -> Iterator[str]:
    events: queue.Queue = queue.Queue()

    def work() -> None:
        try:
            answer = service.ask(question, k=k, on_text=lambda text: events.put(("draft", {"text": text})))
            events.put(("answer", answer.model_dump(mode="json")))
        except RagError as error:
            events.put(("error", {"error": str(error), "exit_code": error.exit_code}))
        except Exception as error:  # noqa: BLE001 - one event, never a dropped connection
            events.put(("error", {"error": f"{type(error).__name__}: {error}", "exit_code": 1}))
        events.put(None)

    threading.Thread(target=work, daemon=True).start()
    while (event := events.get()) is not None:
        name, data = event
        yield f"event: {name}\ndata: {json.dumps(data)}\n\n"


def _error(status: int, message: str, exit_code: int) -> JSONResponse:
    return JSONResponse({"error": message, "exit_code": exit_code}, status_code=status)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RagError)
    def rag_error(_: Request, error: RagError) -> JSONResponse:
        status = next((code for kind, code in STATUS_OF if isinstance(error, kind)), 500)
        return _error(status, str(error), error.exit_code)

    @app.exception_handler(RequestValidationError)
    def bad_request(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        if first.get("type") == "json_invalid":
            return _error(400, "bad request: the body is not valid JSON", 2)
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return _error(400, f"bad request: {where + ': ' if where else ''}{first.get('msg', 'invalid')}", 2)


def _add_guards(app: FastAPI, api_key: str | None, max_body_bytes: int) -> None:
    """The API key on every request when one is set (header, bearer token, or the page's cookie), and a cap on
    request bodies, checked before anything is parsed."""

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if api_key and request.url.path not in OPEN_PATHS and not _key_matches(request, api_key):
            return _error(401, "missing or wrong API key: send it as the X-API-Key header", 2)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_body_bytes:
            return _error(413, f"request body over {max_body_bytes:,} bytes", 2)
        if request.method in ("POST", "PUT", "PATCH"):
            body = await request.body()
            if len(body) > max_body_bytes:
                return _error(413, f"request body over {max_body_bytes:,} bytes", 2)
        response = await call_next(request)
        if api_key and request.query_params.get("key") and request.url.path == "/":
            response.set_cookie("rag_key", api_key, httponly=True, samesite="strict")
        return response


def _key_matches(request: Request, api_key: str) -> bool:
    bearer = request.headers.get("authorization", "")
    offered = (request.headers.get("x-api-key") or (bearer[7:] if bearer.lower().startswith("bearer ") else "")
               or request.cookies.get("rag_key") or (request.query_params.get("key") if request.url.path == "/" else ""))
    return bool(offered) and hmac.compare_digest(offered.encode(), api_key.encode())
