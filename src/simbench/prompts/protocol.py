"""The SimBench prompt protocol: the exact strings of the benchmark (SIMBENCH.md section 3).

These strings are part of the benchmark: changing a byte changes every model's score. They follow
the release's ``generate_prompt`` exactly, including the verbalized JSON example built from the
item's own labels (``{"A": X, "B": X}``).

Examples
--------
>>> token_probs_ending(("A", "B"))
'Do not provide any explanation, only answer with one of the following options: A, B.\\n**Answer**: ('
>>> base_prompt_text("You like jokes.", "Funny?\\n\\nOptions:\\n(A): Yes\\n(B): No", ("A", "B"))
... # doctest: +NORMALIZE_WHITESPACE
'You are a group of individuals with these shared characteristics:\\nYou like jokes.\\n**Question**:
Funny?\\n\\nOptions:\\n(A): Yes\\n(B): No\\nDo not provide any explanation, only answer with one of the
following options: A, B.\\n**Answer**: ('
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..choices import METHODS, Method, check_choice

__all__ = [
    "ANSWER_PREFIX",
    "QUESTION_PREFIX",
    "SYSTEM_PREFIX",
    "base_prompt_text",
    "ending",
    "system_text",
    "token_probs_ending",
    "user_text",
    "verbalized_ending",
]

#: The start of the system message; the persona follows it.
SYSTEM_PREFIX = "You are a group of individuals with these shared characteristics:\n"
#: The start of the user message; the release ``input_template`` follows it.
QUESTION_PREFIX = "**Question**: "
#: The text that opens the answer; the label's token is read right after it.
ANSWER_PREFIX = "("

_TOKEN_PROBS_HEAD = "Do not provide any explanation, only answer with one of the following options: "
_VERBALIZED = (
    "\nEstimate what percentage of your group would choose each option. Follow these rules:\n"
    "1. Use whole numbers from 0 to 100\n"
    "2. Ensure the percentages sum to exactly 100\n"
    "3. Only include the numbers (no % symbols)\n"
    "4. Use this exact valid JSON format: {json_format} and do NOT include anything else.\n"
    "5. Only output your final answer and nothing else. No explanations or intermediate steps "
    "are needed.\n"
    "Replace X with your estimated percentages for each option.\n"
    "**Answer**:"
)


def token_probs_ending(labels: Sequence[str]) -> str:
    """The token-probability ending: the labels listed, then ``**Answer**: (``."""
    return _TOKEN_PROBS_HEAD + ", ".join(labels) + ".\n**Answer**: " + ANSWER_PREFIX


def verbalized_ending(labels: Sequence[str]) -> str:
    """The verbalized ending, asking for a JSON object of percentages keyed by the labels.

    >>> verbalized_ending(("A", "B")).splitlines()[5]
    '4. Use this exact valid JSON format: {"A": X, "B": X} and do NOT include anything else.'
    """
    json_format = "{" + ", ".join(f'"{label}": X' for label in labels) + "}"
    return _VERBALIZED.replace("{json_format}", json_format)


def ending(labels: Sequence[str], method: Method = "token_probs") -> str:
    """The ending of ``method`` (one of :data:`~simbench.choices.METHODS`) for these labels.

    Raises:
        OptionError: for an unknown method.

    >>> ending(("A", "B"), "verbalized").endswith("**Answer**:")
    True
    """
    return _ENDINGS[check_choice(method, METHODS, "method")](labels)


#: The ending of each method (a test checks that every method has one).
_ENDINGS: dict[Method, Callable[[Sequence[str]], str]] = {
    "token_probs": token_probs_ending,
    "verbalized": verbalized_ending,
    "sampling": token_probs_ending,   # labels are sampled where token_probs reads them
}


def system_text(persona: str) -> str:
    """The system message: :data:`SYSTEM_PREFIX` followed by the rendered persona."""
    return SYSTEM_PREFIX + persona


def user_text(question: str, labels: Sequence[str], method: Method = "token_probs") -> str:
    """The user message: the question (with its Options block), a newline, the method's ending."""
    return QUESTION_PREFIX + question + "\n" + ending(labels, method)


def base_prompt_text(persona: str, question: str, labels: Sequence[str],
                     method: Method = "token_probs") -> str:
    """The plain-text prompt for base models: ``system + "\\n" + user``."""
    return system_text(persona) + "\n" + user_text(question, labels, method)
