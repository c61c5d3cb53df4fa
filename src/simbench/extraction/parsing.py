"""Parse a verbalized answer (``{"A": 30, "B": 70}``) into a distribution over the item's labels.

Two parsers, chosen by ``protocol``:

``"default"`` (robust, the project's rule)
    1. Empty output fails. Code fences (````json ... ````) are unwrapped first.
    2. Every balanced ``{...}`` object in the text is a candidate, in order of appearance; the
       first candidate that yields a usable distribution wins (so an echoed template such as
       ``{"A": X, "B": X}`` before the real answer is skipped). If none does, the error of the
       first candidate is reported. An object that never closes fails as truncated.
    3. Repairs, applied only when plain ``json.loads`` fails: typographic quotes and full-width
       braces/colons/commas made ASCII, ``%`` signs dropped, single quotes made double, unquoted
       keys quoted, trailing commas dropped. The text is never ``eval``-ed.
    4. Keys are normalised (``"a"``, ``"(A)"``, ``"Option A"`` -> ``"A"``); a nested object is
       searched when the top level holds no label (``{"answer": {"A": 30, ...}}``).
    5. Every expected label must be present; extra keys are dropped; values are re-ordered by the
       expected labels; numbers given as strings (``"30%"``) are accepted; negative, non-finite
       or non-numeric values fail; an all-zero answer fails.
    6. Values are normalised to sum to 1. Fractions (sum near 1) and percentages (sum near 100,
       e.g. 99 or 101) normalise the same way; the scale and raw total are reported.

``"release"`` (reproduces the release's ``parse_and_normalize_json_response``)
    The first non-greedy ``{...}`` match (a nested object is cut at its first ``}``), plain
    ``json.loads`` then the release's regex repairs, every expected key required, values
    normalised by the sum over *all* keys in the **model's key order** (release bug). The values
    are assigned to the labels by position, as the release scorer reads them; a value count
    different from the label count fails (the release scorer silently dropped such rows).

Examples
--------
>>> parse_verbalized('Sure! {"B": 70, "A": 30}', ["A", "B"]).distribution
{'A': 0.3, 'B': 0.7}
>>> parse_verbalized('Sure! {"B": 70, "A": 30}', ["A", "B"], protocol="release").distribution
{'A': 0.7, 'B': 0.3}
>>> r = parse_verbalized("{'a': 20%, 'b': 80%,}", ["A", "B"])
>>> r.distribution, r.repairs
({'A': 0.2, 'B': 0.8}, ('single quotes', 'percent signs', 'trailing commas'))
>>> parse_verbalized('{"A": 30, "B": 7', ["A", "B"]).error
'truncated output: a JSON object opens but never closes'
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..choices import PROTOCOLS, Protocol, check_choice
from ..distributions import check_distribution
from ..errors import DistributionError, OptionError, SimBenchError

__all__ = [
    "ParseResult",
    "answer_closed",
    "answer_complete",
    "closes_json_object",
    "parse_verbalized",
]

_FENCE = re.compile(r"```[ \t]*(?:json|JSON|javascript|js)?[ \t]*\n?(.*?)(?:```|\Z)", re.S)
_UNICODE_MAP = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\uff02": '"',
    "\u2018": "'", "\u2019": "'", "\u2032": "'",
    "\uff5b": "{", "\uff5d": "}", "\uff1a": ":", "\uff0c": ",", "\u3001": ",",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u3000": " ", "\uff05": "%",
    "\u2212": "-",
})
_KEY_RE = re.compile(r"^(?:option|answer|choice|label)?\s*[\(\[]?\s*([A-Za-z])\s*[\)\]]?\s*[:.]?$",
                     re.I)
_NUMBER_RE = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*%?\s*$")


@dataclass(frozen=True)
class ParseResult:
    """The outcome of parsing one verbalized answer.

    Attributes:
        distribution: label -> probability in the expected label order, summing to 1; ``None``
            when parsing failed.
        error: why parsing failed (``None`` when it succeeded).
        repairs: the repairs that were needed, in order (empty for clean JSON).
        dropped_keys: keys of the answer that are not expected labels (dropped).
        total: the raw sum of the values that were normalised.
        scale: ``"percent"`` (sum above 1.5) or ``"fraction"``; ``None`` on failure.
    """

    distribution: dict[str, float] | None
    error: str | None = None
    repairs: tuple[str, ...] = ()
    dropped_keys: tuple[str, ...] = field(default=())
    total: float | None = None
    scale: str | None = None

    @property
    def ok(self) -> bool:
        """Whether a distribution was obtained."""
        return self.distribution is not None


class _Fail(SimBenchError, ValueError):
    """Internal: a candidate object did not give a usable distribution."""


def parse_verbalized(text: str | None, labels: Sequence[str], *,
                     protocol: Protocol | str = "default") -> ParseResult:
    """Parse a model's verbalized answer into a distribution over ``labels``.

    Args:
        text: the raw generation (``None`` counts as empty).
        labels: the item's labels in order, e.g. ``("A", "B", "C")``.
        protocol: ``"default"`` (robust parser) or ``"release"`` (the release's parser).

    Returns:
        A :class:`ParseResult`; failures are reported in ``error``, never raised.

    Raises:
        OptionError: (a :class:`ValueError`) for an unknown protocol or an empty label list
            (caller errors).

    >>> parse_verbalized("", ["A", "B"]).error
    'empty output'
    """
    protocol = check_choice(protocol, PROTOCOLS, "protocol")
    labels = [str(lab) for lab in labels]
    if not labels:
        raise OptionError("labels: parse_verbalized needs at least one expected label")
    if text is None or not text.strip():
        return ParseResult(None, "empty output")
    if protocol == "release":
        return _parse_release(text, labels)
    return _parse_default(text, labels)


# --------------------------------------------------------------------------- default parser


def _parse_default(text: str, labels: list[str]) -> ParseResult:
    repairs: list[str] = []
    work = text
    fenced = [m.group(1) for m in _FENCE.finditer(text) if "{" in m.group(1)]
    if fenced:
        work = "\n".join(fenced)
        repairs.append("code fence")
    if work != work.translate(_UNICODE_MAP):
        work = work.translate(_UNICODE_MAP)
        repairs.append("unicode punctuation")
    candidates, truncated = _balanced_objects(work)
    if not candidates:
        if truncated:
            return ParseResult(None, "truncated output: a JSON object opens but never closes")
        return ParseResult(None, "no JSON object in the output")
    first_error = ""
    for candidate in candidates:
        try:
            return _parse_candidate(candidate, labels, repairs)
        except _Fail as e:
            first_error = first_error or str(e)
    if truncated and len(candidates) == 0:  # pragma: no cover - handled above
        first_error = "truncated output"
    return ParseResult(None, first_error)


def _balanced_objects(text: str) -> tuple[list[str], bool]:
    """Top-level ``{...}`` spans with balanced braces (quotes respected); whether one is open."""
    out: list[str] = []
    depth, start, quote = 0, -1, ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote or ch == "\n":
                quote = ""
        elif ch == '"' and depth > 0:
            quote = ch
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                out.append(text[start:i + 1])
        i += 1
    return out, depth > 0


def closes_json_object(text: str) -> bool:
    """Whether ``text`` already holds a closed top-level ``{...}`` object (a stopping test).

    >>> closes_json_object('Answer: {"A": 50, "B": 50}'), closes_json_object('{"A": 5')
    (True, False)
    """
    return bool(_balanced_objects(text)[0])


def _parse_candidate(candidate: str, labels: list[str], repairs: list[str]) -> ParseResult:
    obj, more = _load_object(candidate)
    values, dropped = _match_labels(obj, labels)
    dist, total = _normalised(list(values.values()), labels)
    return ParseResult(dist, None, tuple(repairs + more), tuple(dropped), total,
                       "percent" if total > 1.5 else "fraction")


def _normalised(values: list[float], labels: Sequence[str]) -> tuple[dict[str, float], float]:
    """The values (one per label, any positive scale) normalised to sum to 1, and their sum.

    The check is :func:`simbench.distributions.check_distribution` under ``"renormalise"`` with
    no bound on the sum (answers are percentages or fractions); a failure becomes :class:`_Fail`.
    """
    try:
        checked = check_distribution(values, labels, policy="renormalise", where="the answer",
                                     sum_tolerance=math.inf)
    except DistributionError as e:
        raise _Fail(f"{e.problem}: cannot normalise") from None
    return dict(zip(labels, checked.values)), math.fsum(values)


def _load_object(candidate: str) -> tuple[dict[str, Any], list[str]]:
    """``json.loads`` the candidate, repairing common faults when plain JSON fails."""
    try:
        obj = json.loads(candidate)
        return _as_dict(obj), []
    except json.JSONDecodeError:
        pass
    repairs: list[str] = []
    fixed = candidate
    for name, fix in _REPAIRS:
        new = fix(fixed)
        if new != fixed:
            repairs.append(name)
            fixed = new
    try:
        return _as_dict(json.loads(fixed)), repairs
    except json.JSONDecodeError as e:
        raise _Fail(f"not valid JSON even after repairs ({e.msg} at column {e.colno}): "
                    f"{_clip(candidate)}") from None


def _as_dict(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise _Fail(f"expected a JSON object, got {type(obj).__name__}")
    return obj


def _single_quotes(s: str) -> str:
    if '"' in s and "'" not in s:
        return s
    return re.sub(r"'([^'\"]*)'", r'"\1"', s)


_REPAIRS: tuple[tuple[str, Any], ...] = (
    ("single quotes", _single_quotes),
    ("percent signs", lambda s: re.sub(r"(\d)\s*%", r"\1", s).replace("%", "")),
    ("unquoted keys", lambda s: re.sub(r'([{,]\s*)(\(?[A-Za-z_][\w ()]*?)\s*:', r'\1"\2":', s)),
    ("trailing commas", lambda s: re.sub(r",\s*([}\]])", r"\1", s)),
    ("unquoted words", lambda s: re.sub(r':\s*([A-Za-z_]\w*)\s*([,}])', r': "\1"\2', s)),
)


def _match_labels(obj: Mapping[str, Any], labels: list[str]) -> tuple[dict[str, float], list[str]]:
    """Values for every expected label (re-ordered), and the keys that were dropped."""
    found, dropped = _normalise_keys(obj, labels)
    if not found:
        nested = [v for v in obj.values() if isinstance(v, Mapping)]
        for sub in nested:
            found, sub_dropped = _normalise_keys(sub, labels)
            if found:
                dropped = [k for k in obj if not isinstance(obj[k], Mapping)] + sub_dropped
                break
    missing = [lab for lab in labels if lab not in found]
    if missing:
        raise _Fail(f"missing labels {missing} (answer keys: {list(obj)[:20]})")
    values = {lab: _to_number(found[lab], lab) for lab in labels}
    return values, dropped


def _normalise_keys(obj: Mapping[str, Any], labels: list[str]) -> tuple[dict[str, Any], list[str]]:
    expected = set(labels)
    found: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in obj.items():
        m = _KEY_RE.match(str(key).strip())
        label = m.group(1).upper() if m else str(key).strip()
        if label not in expected:
            dropped.append(str(key))
            continue
        if label in found:
            raise _Fail(f"label {label!r} appears twice (keys {key!r} and an earlier one)")
        found[label] = value
    return found, dropped


def _to_number(value: Any, label: str) -> float:
    if isinstance(value, bool) or value is None:
        raise _Fail(f"label {label!r}: value {value!r} is not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and _NUMBER_RE.match(value):
        number = float(_NUMBER_RE.match(value).group(1))  # type: ignore[union-attr]
    else:
        raise _Fail(f"label {label!r}: value {_clip(repr(value))} is not a number")
    return number  # negative and non-finite values are refused by _normalised


def _clip(s: str, n: int = 80) -> str:
    return s if len(s) <= n else s[:n] + "..."


# --------------------------------------------------------------------------- release parser

_RELEASE_OBJECT = re.compile(r"\{[\s\S]*?\}")


def _release_repair(json_str: str) -> str:
    """The release's regex repair chain, step by step (kept identical for reproduction)."""
    json_str = re.sub(r"%", "", json_str)
    json_str = re.sub(r",\s*([}\]])", r"\1", json_str)
    json_str = re.sub(r'([{,]\s*)([^"\s]+)\s*:', r'\1"\2":', json_str)
    json_str = re.sub(r':\s*([^",}\]\s]+)([,}\]])', r':"\1"\2', json_str)
    json_str = re.sub(r':"(-?\d+\.?\d*)"', r":\1", json_str)
    json_str = re.sub(r'([^"])"([,}])', r"\1\2", json_str)
    json_str = json_str.strip()
    if not json_str.startswith("{"):
        json_str = "{" + json_str
    if not json_str.endswith("}"):
        json_str = json_str + "}"
    return json_str


def _parse_release(text: str, labels: list[str]) -> ParseResult:
    match = _RELEASE_OBJECT.search(text)
    if not match:
        return ParseResult(None, "release parser: no JSON found")
    repairs: tuple[str, ...] = ()
    try:
        parsed = json.loads(match.group(0))
    except json.JSONDecodeError:
        repairs = ("release regex repairs",)
        try:
            parsed = json.loads(_release_repair(match.group(0)))
        except json.JSONDecodeError as e:
            return ParseResult(None, f"release parser: invalid JSON after repairs ({e.msg})",
                               repairs)
    if not isinstance(parsed, dict):
        return ParseResult(None, "release parser: the match is not a JSON object", repairs)
    if not all(lab in parsed for lab in labels):
        return ParseResult(None, f"release parser: missing expected keys {labels}", repairs)
    values = list(parsed.values())
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return ParseResult(None, "release parser: a value is not a number", repairs)
    total = float(sum(values))
    if not total > 0:
        return ParseResult(None, "release parser: sum of probabilities is zero", repairs)
    if len(values) != len(labels):
        return ParseResult(None, f"release parser: {len(values)} values for {len(labels)} labels"
                           " (the release scorer silently drops such rows)", repairs,
                           tuple(k for k in parsed if k not in labels), total)
    # Every label is a key and there are as many values as labels: the keys are the labels, in
    # the model's order; the release assigned the values to the labels by position.
    try:
        dist, total = _normalised([float(v) for v in values], labels)
    except _Fail as e:
        return ParseResult(None, f"release parser: {e}", repairs)
    return ParseResult(dist, None, repairs, (), total, "percent" if total > 1.5 else "fraction")


# --------------------------------------------------------------------------- stopping tests
# Shared by every generating backend: a row may stop once its answer can no longer change.


def answer_complete(text: str, labels: Sequence[str], protocol: str = "default") -> bool:
    """Whether generation can stop: the text's answer is already determined.

    Default protocol: the text parses (the parser takes the first usable object, so later text
    cannot change the result). Release protocol: a ``{...}`` object has closed (the release
    parser reads the first one only).

    >>> answer_complete('{"A": 1, "B": 2}', ["A", "B"])
    True
    >>> answer_complete('{"A": X, "B": X}', ["A", "B"])
    False
    >>> answer_complete('{"A": X, "B": X}', ["A", "B"], "release")
    True
    """
    if protocol == "release":
        return "}" in text.partition("{")[2]
    return parse_verbalized(text, labels).ok


def answer_closed(tokenizer: Any, generated: Any, last: int, labels: Sequence[str],
                  protocol: str = "default") -> bool:
    """Whether a row can stop after its token ``last``, the newest of ``generated`` (the ids
    generated so far: a list, or a 1-D tensor that ``tokenizer.decode`` takes).

    Only a token writing ``}`` can complete an answer, so the whole generated text is decoded
    (special tokens skipped) and tested with :func:`answer_complete` only then.

    >>> class Letters:  # a tokenizer whose token i is the character chr(i)
    ...     def decode(self, ids, skip_special_tokens=True):
    ...         return "".join(map(chr, ids))
    >>> ids = [ord(c) for c in '{"A": 40, "B": 60}']
    >>> answer_closed(Letters(), ids[:-1], ids[-2], ["A", "B"]), answer_closed(Letters(), ids, ids[-1], ["A", "B"])
    (False, True)
    """
    if "}" not in tokenizer.decode([last], skip_special_tokens=True):
        return False
    return answer_complete(tokenizer.decode(generated, skip_special_tokens=True), labels, protocol)
