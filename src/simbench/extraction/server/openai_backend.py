"""Evaluate a model behind an OpenAI-compatible server (vLLM, llama.cpp, transformers serve, APIs).

``--backend openai --base-url URL --model NAME`` (the key, if any, from ``$OPENAI_API_KEY`` or the
variable named by ``--api-key-env``). Uses ``httpx``; never imports torch.

Verbalized (``method="verbalized"``)
    ``POST {base_url}/chat/completions`` with the protocol's system and user messages, up to
    ``max_new_tokens`` tokens, the attempt schedule of :mod:`.attempts` (temperature 0 first,
    then ``temperature`` with a per-item, per-attempt ``seed``), the parser of :mod:`.parsing`.
    The prompt text recorded (and hashed) is the JSON of the messages, which is what is sent.

Token probabilities (``method="token_probs"``)
    ``POST {base_url}/completions`` with the prompt text, ``max_tokens=1``, ``temperature=0`` and
    ``logprobs=top_logprobs``; a label's probability is ``exp(logprob)`` of the returned token
    whose text is exactly the label (the token that follows ``"("``). Probabilities come from the
    server's full-vocabulary softmax: they are never re-softmaxed over the returned top-k.
    ``label_mass`` is the sum over the labels found. **Labels outside the returned top-k**:
    ``missing="zero"`` (default) gives them probability 0 (the label mass is then a lower bound);
    ``missing="bound"`` gives each the largest value the top-k allows, ``min(smallest returned
    probability, unreturned mass / number of missing labels)``. An item with no label in the
    top-k fails. The prompt is ``system + "\\n" + user`` (``prompt_mode="base"``) or, given a
    ``tokenizer`` (object, folder or Hub id) with a chat template, the chat template rendered
    locally with the answer prefix ``"("`` (``prompt_mode="chat"``, what ``"auto"`` picks then);
    the server adds BOS by its own rule, so the release protocol's duplicated BOS is not
    reproduced here. A server that returns no logprobs (``transformers serve``) stops the run
    with :class:`ServerError`.

Sampling (``method="sampling"``)
    The token-probability prompt, ``POST {base_url}/completions`` with ``max_tokens=1``,
    ``temperature`` (1.0), ``n=samples`` and a per-item ``seed``
    (:meth:`~simbench.extraction.sampling.SamplingSettings.seed_for`); a server that returns
    fewer choices than asked (``transformers serve`` ignores ``n``; llama.cpp allows one) is asked
    again for the rest, with the seed plus the round. A sample counts for a label when its text
    is exactly the label (as for token probabilities); the others are unparsed and kept
    (:func:`~simbench.extraction.sampling.tally`).

Transport: at most ``concurrency`` requests in flight; a 429, a 5xx, a timeout or a dropped
connection is retried up to ``max_http_retries`` times with exponential back-off and jitter
(``Retry-After`` honoured); 401/403/404 stop the run with a clear error; any other 4xx fails
the item (error recorded), and the run carries on.

Examples
--------
>>> b = OpenAIBackend("smol", base_url="http://127.0.0.1:8080/v1", method="token_probs")
>>> b.provenance()["prompt_mode"], b.provenance()["backend"]
('base', 'openai')
>>> dist, mass = _distribution({"A": -0.5, "B": -1.5, "x": -3.0}, ("A", "B", "C"), "zero")
>>> round(mass, 4), {k: round(v, 3) for k, v in dist.items()}
(0.8297, {'A': 0.731, 'B': 0.269, 'C': 0.0})
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from ...choices import METHODS, PROTOCOLS, Method, PromptMode, Protocol, check_choice
from ...errors import ExtractionError, OptionError, ServerError
from ...prompts import PromptRenderer, base_prompt_text, chat_template_hash, system_text, user_text
from ..attempts import AttemptSchedule, ItemAttempts
from ..base import Backend, Prediction, prompt_hash
from ..parsing import parse_verbalized
from ..sampling import DEFAULT_SAMPLES, SamplingSettings, tally

if TYPE_CHECKING:
    from ...data.schema import Item

__all__ = ["MISSING_RULES", "OpenAIBackend", "ServerError"]

logger = logging.getLogger(__name__)

#: Rules for labels absent from the returned top-k logprobs.
MISSING_RULES = ("zero", "bound")
_FATAL = {401: "unauthorised (check the API key)", 403: "forbidden (check the API key)",
          404: "not found (check --base-url, which usually ends in /v1, and --model)"}



class _ItemError(ExtractionError):
    """A failed request or an unusable reply: fails one item only."""


class OpenAIBackend(Backend):
    """Items to predictions through an OpenAI-compatible HTTP server.

    Args:
        model: the served model's name (the ``model`` field of requests).
        base_url: e.g. ``http://localhost:8000/v1``.
        method: ``"verbalized"``, ``"token_probs"`` or ``"sampling"``.
        api_key_env: environment variable holding the key; ``None``: ``OPENAI_API_KEY`` if set.
        protocol: ``"default"`` or ``"release"``.
        prompt_mode: token probabilities: ``"auto"``, ``"chat"`` or ``"base"``.
        tokenizer: token probabilities in chat mode: a tokenizer, or a folder / Hub id to load.
        seed, max_new_tokens, temperature, retries, first_temperature: see :mod:`.attempts`
            (``temperature`` is also the sampling temperature of ``method="sampling"``).
        samples: ``method="sampling"``: answers per item (30).
        concurrency: requests in flight (4).
        timeout: seconds per request (120).
        max_http_retries: retries of a request on 429/5xx/timeouts (5).
        backoff: first back-off in seconds, doubled per retry (capped at 30 s).
        top_logprobs: how many top tokens to ask for (20; OpenAI allows 5).
        missing: rule for labels outside the returned top-k, ``"zero"`` or ``"bound"``.
        model_id: the name recorded in provenance (defaults to ``model``).
    """

    name = "openai"

    def __init__(self, model: str, *, base_url: str, method: Method | str = "verbalized",
                 api_key_env: str | None = None, protocol: Protocol | str = "default",
                 prompt_mode: PromptMode | str = "auto", tokenizer: Any = None, seed: int = 0,
                 max_new_tokens: int = 250, temperature: float = 1.0, retries: int = 5,
                 first_temperature: float | None = None, concurrency: int = 4,
                 timeout: float = 120.0, max_http_retries: int = 5, backoff: float = 1.0,
                 top_logprobs: int = 20, missing: str = "zero", model_id: str | None = None,
                 samples: int = DEFAULT_SAMPLES) -> None:
        self.method: Method = check_choice(method, METHODS, "method")
        self.sampling = SamplingSettings(samples=samples, temperature=temperature, seed=seed) \
            if self.method == "sampling" else None
        if self.sampling is not None and protocol != "default":
            raise OptionError(f"protocol {protocol!r} does not apply to method 'sampling' (the "
                              "release never sampled): use protocol 'default'")
        if missing not in MISSING_RULES:
            raise OptionError(f"missing must be one of {MISSING_RULES}, got {missing!r}")
        if concurrency < 1 or max_http_retries < 0 or timeout <= 0 or top_logprobs < 1:
            raise OptionError("concurrency and top_logprobs must be >= 1, max_http_retries >= 0, "
                              f"timeout > 0; got {concurrency}, {top_logprobs}, "
                              f"{max_http_retries} and {timeout}")
        self.model = model
        self.model_id = model_id or model
        self.base_url = base_url.rstrip("/")
        self.protocol: Protocol = check_choice(protocol, PROTOCOLS, "protocol")
        self.schedule = AttemptSchedule(retries=retries, temperature=temperature,
                                        first_temperature=first_temperature, protocol=self.protocol,
                                        seed=seed)
        self.max_new_tokens = max_new_tokens
        self.concurrency, self.timeout = concurrency, float(timeout)
        self.max_http_retries, self.backoff = max_http_retries, float(backoff)
        self.top_logprobs, self.missing = top_logprobs, missing
        self._headers = _auth_headers(api_key_env)
        self._renderer = _token_prob_renderer(self.method, tokenizer, prompt_mode, self.protocol)
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._client: Any = None

    # ----------------------------------------------------------------- Backend API

    @property
    def prompt_mode(self) -> str:
        """``"chat"`` (chat completions, or a locally rendered template) or ``"base"``."""
        if self.method == "verbalized":
            return "chat"
        return "base" if self._renderer is None else str(self._renderer.mode)

    def prompt_text(self, item: Item) -> str:
        """The prompt text sent: the messages' JSON (verbalized) or the completion prompt."""
        if self.method == "verbalized":
            messages = [{"role": "system", "content": system_text(item.persona)},
                        {"role": "user", "content": user_text(item.question, item.option_labels,
                                                              "verbalized")}]
            return json.dumps(messages, ensure_ascii=False)
        if self._renderer is not None:
            return str(self._renderer.text(item))
        return base_prompt_text(item.persona, item.question, item.option_labels, "token_probs")

    def provenance(self) -> dict[str, Any]:
        """Model name, server URL, protocol, prompt mode and request settings."""
        template = None
        if self._renderer is not None and self._renderer.mode == "chat":
            template = chat_template_hash(self._renderer.tokenizer)
        generation: dict[str, Any] = {"max_new_tokens": self.max_new_tokens,
                                      **self.schedule.provenance()}
        if self.method == "token_probs":
            generation = {"top_logprobs": self.top_logprobs, "missing_label_rule": self.missing}
        if self.sampling is not None:
            generation = {**self.sampling.provenance(),
                          "requests": "n per request; the missing choices asked again"}
        return {
            "method": self.method, "backend": self.name, "protocol": self.protocol,
            "prompt_mode": self.prompt_mode,
            "model": {"id": self.model_id, "type": None, "dtype": None},
            "chat_template_hash": template, "label_token_ids": None, "device": None,
            "base_url": self.base_url, "generation": generation,
            "transport": {"concurrency": self.concurrency, "timeout": self.timeout,
                          "max_http_retries": self.max_http_retries},
        }

    def predict(self, items: Sequence[Item], *, progress: bool = True) -> Iterator[Prediction]:
        """Yield predictions as requests finish (at most ``concurrency`` in flight)."""
        from tqdm.auto import tqdm

        work = {"verbalized": self._verbalized_item, "token_probs": self._token_prob_item,
                "sampling": self._sampling_item}[self.method]
        bar = tqdm(total=len(items), disable=not progress, desc=f"{self.method} via server",
                   unit="item")
        pool = ThreadPoolExecutor(max_workers=self.concurrency)
        todo = iter(items)
        running: set[Future[Prediction]] = set()
        try:
            for item in todo:
                running.add(pool.submit(work, item))
                if len(running) >= 2 * self.concurrency:
                    break
            while running:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
                    bar.update(1)
                    nxt = next(todo, None)
                    if nxt is not None:
                        running.add(pool.submit(work, nxt))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            bar.close()

    def close(self) -> None:
        """Close the HTTP connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None

    # ----------------------------------------------------------------- per item

    def _verbalized_item(self, item: Item) -> Prediction:
        text = self.prompt_text(item)
        state = ItemAttempts(item.item_id, tuple(item.option_labels), prompt_hash(text))
        messages = json.loads(text)
        for attempt in range(self.schedule.retries):
            body = {"model": self.model, "messages": messages,
                    "max_tokens": self.max_new_tokens,
                    "temperature": self.schedule.temperature_at(attempt),
                    "seed": self.schedule.seed_for(item.item_id, attempt) % 2**31}
            try:
                reply = self._post("/chat/completions", body, item.item_id)
            except _ItemError as e:
                state.record_error("", str(e))
                continue
            content = _chat_content(reply)
            if state.record(content, parse_verbalized(content, state.labels,
                                                      protocol=self.protocol)):
                break
        return state.prediction(self.schedule)

    def _token_prob_item(self, item: Item) -> Prediction:
        text = self.prompt_text(item)
        phash = prompt_hash(text)
        body = {"model": self.model, "prompt": text, "max_tokens": 1, "temperature": 0.0,
                "logprobs": self.top_logprobs}
        try:
            reply = self._post("/completions", body, item.item_id)
            top = _top_logprobs(reply)
        except _ItemError as e:
            return Prediction.failed(item.item_id, prompt_hash=phash, error=str(e))
        dist, mass = _distribution(top, tuple(item.option_labels), self.missing)
        if dist is None:
            return Prediction.failed(item.item_id, prompt_hash=phash, error=(
                f"no label among the {len(top)} most likely next tokens "
                f"({sorted(top, key=top.__getitem__, reverse=True)[:5]}...)"))
        return Prediction(item.item_id, dist, min(mass, 1.0), phash)

    def _sampling_item(self, item: Item) -> Prediction:
        assert self.sampling is not None
        text = self.prompt_text(item)
        phash = prompt_hash(text)
        n, seed = self.sampling.samples, self.sampling.seed_for(item.item_id)
        texts: list[str] = []
        for round_ in range(n):  # at worst one choice per request
            want = n - len(texts)
            body = {"model": self.model, "prompt": text, "max_tokens": 1,
                    "temperature": float(self.sampling.temperature), "n": want,
                    "seed": (seed + round_) % 2**31}
            try:
                got = _choice_texts(self._post("/completions", body, item.item_id))[:want]
            except _ItemError as e:
                return Prediction.failed(item.item_id, prompt_hash=phash, error=str(e),
                                         raw_outputs=texts)
            if not got:
                return Prediction.failed(item.item_id, prompt_hash=phash, raw_outputs=texts,
                                         error="the server returned no choices")
            texts.extend(got)
            if len(texts) == n:
                break
        labels = tuple(item.option_labels)
        return tally(item.item_id, labels, [t if t in labels else None for t in texts], texts,
                     phash)

    # ----------------------------------------------------------------- transport

    def _http(self) -> Any:
        if self._client is None:
            import httpx

            limits = httpx.Limits(max_connections=self.concurrency)
            self._client = httpx.Client(timeout=self.timeout, headers=self._headers,
                                        limits=limits)
        return self._client

    def _post(self, path: str, body: Mapping[str, Any], item_id: str) -> dict[str, Any]:
        """POST with retries on 429/5xx/transport errors; fatal 4xx raise :class:`ServerError`."""
        import httpx

        url = self.base_url + path
        last, retry_after = "", None
        for attempt in range(self.max_http_retries + 1):
            if attempt:
                time.sleep(self._delay(attempt, retry_after))
                retry_after = None
            try:
                resp = self._http().post(url, json=body)
            except httpx.TransportError as e:  # timeouts, refused or dropped connections
                last = f"{type(e).__name__}: {e}"
                continue
            if resp.status_code == 429 or resp.status_code >= 500:
                last = f"HTTP {resp.status_code}: {resp.text[:200]}"
                if resp.status_code == 429:
                    retry_after = resp.headers.get("retry-after")
                continue
            if resp.status_code in _FATAL:
                raise ServerError(f"{url}: HTTP {resp.status_code} {_FATAL[resp.status_code]}: "
                                  f"{resp.text[:300]}")
            if resp.status_code >= 400:
                raise _ItemError(f"HTTP {resp.status_code} for {item_id}: {resp.text[:300]}")
            try:
                out: dict[str, Any] = resp.json()
            except ValueError:
                raise _ItemError(f"{url} answered non-JSON: {resp.text[:200]}") from None
            return out
        raise _ItemError(f"{url} failed {self.max_http_retries + 1} times; last: {last}")

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(60.0, float(retry_after))
            except ValueError:
                pass
        with self._rng_lock:
            jitter = self._rng.uniform(0.5, 1.0)
        return min(30.0, self.backoff * 2 ** (attempt - 1)) * jitter


def _auth_headers(api_key_env: str | None) -> dict[str, str]:
    name = api_key_env or "OPENAI_API_KEY"
    key = os.environ.get(name)
    if api_key_env and not key:
        raise ExtractionError(f"api_key_env={api_key_env!r}: the environment variable is not set")
    return {"Authorization": f"Bearer {key}"} if key else {}


def _token_prob_renderer(method: Method, tokenizer: Any, prompt_mode: str,
                         protocol: Protocol) -> PromptRenderer | None:
    if method == "verbalized" or (tokenizer is None and prompt_mode in ("auto", "base")):
        return None
    if tokenizer is None:
        raise ExtractionError("token probabilities in chat mode need the model's tokenizer to "
                              "render its chat template (pass tokenizer=..., a folder or Hub id), "
                              "or use prompt_mode='base'")
    if isinstance(tokenizer, str):
        # The only use of transformers here, through its wing: only when a name is given.
        from ..hf.models import load_tokenizer

        tokenizer = load_tokenizer(tokenizer)
    return PromptRenderer.create(tokenizer, prompt_mode=prompt_mode, protocol=protocol,
                                 method="token_probs")


def _chat_content(reply: Mapping[str, Any]) -> str:
    try:
        content = reply["choices"][0]["message"].get("content")
    except (KeyError, IndexError, TypeError, AttributeError):
        return ""
    return content if isinstance(content, str) else ""


def _choice_texts(reply: Mapping[str, Any]) -> list[str]:
    """The text of every choice of a completions reply (``""`` for a choice without text)."""
    choices = reply.get("choices") if isinstance(reply, Mapping) else None
    if not isinstance(choices, list):
        raise _ItemError(f"unexpected reply (no choices): {json.dumps(reply)[:200]}")
    texts: list[str] = []
    for choice in choices:
        text = choice.get("text") if isinstance(choice, Mapping) else None
        texts.append(text if isinstance(text, str) else "")
    return texts


def _top_logprobs(reply: Mapping[str, Any]) -> dict[str, float]:
    """Token text -> logprob of the first generated position, from either response format.

    OpenAI legacy completions (vLLM, OpenAI): ``logprobs.top_logprobs[0]`` is a dict.
    llama.cpp: ``logprobs.content[0].top_logprobs`` is a list of ``{token, logprob}``.
    A token text returned twice keeps its first (most likely) entry.
    """
    try:
        logprobs = reply["choices"][0].get("logprobs")
    except (KeyError, IndexError, TypeError, AttributeError):
        raise _ItemError(f"unexpected reply (no choices[0]): {json.dumps(reply)[:200]}") from None
    if not logprobs:
        raise ServerError("the server returned no logprobs for a completions request with "
                          "'logprobs' (it does not support them, e.g. transformers serve): use "
                          "--method verbalized with this server")
    if isinstance(logprobs.get("top_logprobs"), list) and logprobs["top_logprobs"]:
        first = logprobs["top_logprobs"][0]
        return {str(k): float(v) for k, v in dict(first).items()}
    content = logprobs.get("content")
    if isinstance(content, list) and content and content[0].get("top_logprobs"):
        out: dict[str, float] = {}
        for entry in content[0]["top_logprobs"]:
            out.setdefault(str(entry["token"]), float(entry["logprob"]))
        return out
    raise _ItemError(f"unrecognised logprobs format: {json.dumps(logprobs)[:200]}")


def _distribution(top: Mapping[str, float], labels: tuple[str, ...],
                  missing: str) -> tuple[dict[str, float] | None, float]:
    """Renormalised label distribution and raw label mass from the top-k logprobs."""
    probs = {tok: math.exp(lp) for tok, lp in top.items()}
    found = {lab: probs[lab] for lab in labels if lab in probs}
    mass = math.fsum(found.values())
    if not found or mass <= 0:
        return None, 0.0
    absent = [lab for lab in labels if lab not in found]
    if absent and missing == "bound":
        rest = max(0.0, 1.0 - math.fsum(probs.values()))
        fill = min(min(probs.values()), rest / len(absent))
        found.update({lab: fill for lab in absent})
    values = {lab: found.get(lab, 0.0) for lab in labels}
    total = math.fsum(values.values())
    return {lab: v / total for lab, v in values.items()}, mass
