"""A corpus of realistic verbalized outputs (well-formed and malformed) with the expected parse.

Each case: ``(case_id, text, labels, expected)`` where ``expected`` is either a dict of the
normalised distribution (label order) or ``("error", substring)`` for an expected failure. The
outputs were written after the faults small instruct models actually make (SmolLM2-135M answers
seen while developing the verbalized backend, plus faults reported for larger models).
"""

from __future__ import annotations

from typing import Any

AB = ("A", "B")
ABC = ("A", "B", "C")
ABCD = ("A", "B", "C", "D")


def err(substring: str) -> tuple[str, str]:
    """An expected failure whose reason contains ``substring``."""
    return ("error", substring)


CORPUS: list[tuple[str, str, tuple[str, ...], Any]] = [
    # --- clean and near-clean
    ("clean", '{"A": 30, "B": 70}', AB, {"A": 0.3, "B": 0.7}),
    ("clean_spaces_newlines", '{\n  "A": 25,\n  "B": 25,\n  "C": 50\n}', ABC,
     {"A": 0.25, "B": 0.25, "C": 0.5}),
    ("clean_floats", '{"A": 33.3, "B": 33.3, "C": 33.4}', ABC,
     {"A": 0.333, "B": 0.333, "C": 0.334}),
    ("reordered_keys", '{"C": 10, "A": 60, "B": 30}', ABC, {"A": 0.6, "B": 0.3, "C": 0.1}),
    # --- prose around the JSON
    ("prose_before", 'Here is my estimate for the group:\n{"A": 40, "B": 60}', AB,
     {"A": 0.4, "B": 0.6}),
    ("prose_after", '{"A": 40, "B": 60}\nThis reflects the views of most people in the group.',
     AB, {"A": 0.4, "B": 0.6}),
    ("prose_both", 'Sure! Based on the characteristics, {"A": 20, "B": 30, "C": 50} is my answer.'
     " Let me know if you need more.", ABC, {"A": 0.2, "B": 0.3, "C": 0.5}),
    ("prose_with_braces_in_words", 'The answer {is}: {"A": 50, "B": 50}', AB,
     {"A": 0.5, "B": 0.5}),
    # --- code fences
    ("fence_json", '```json\n{"A": 10, "B": 90}\n```', AB, {"A": 0.1, "B": 0.9}),
    ("fence_plain", 'Answer:\n```\n{"A": 10, "B": 90}\n```\nDone.', AB, {"A": 0.1, "B": 0.9}),
    ("fence_unclosed", '```json\n{"A": 45, "B": 55}', AB, {"A": 0.45, "B": 0.55}),
    ("fence_after_template", 'Format {"A": X, "B": X}\n```json\n{"A": 5, "B": 95}\n```', AB,
     {"A": 0.05, "B": 0.95}),
    # --- sums off 100
    ("sum_99", '{"A": 33, "B": 33, "C": 33}', ABC, {"A": 1 / 3, "B": 1 / 3, "C": 1 / 3}),
    ("sum_101", '{"A": 51, "B": 50}', AB, {"A": 51 / 101, "B": 50 / 101}),
    ("sum_far_off", '{"A": 50, "B": 50, "C": 50}', ABC, {"A": 1 / 3, "B": 1 / 3, "C": 1 / 3}),
    # --- percent signs, trailing commas, unquoted keys, single quotes
    ("percent_signs", '{"A": 30%, "B": 70%}', AB, {"A": 0.3, "B": 0.7}),
    ("percent_strings", '{"A": "30%", "B": "70%"}', AB, {"A": 0.3, "B": 0.7}),
    ("number_strings", '{"A": "30", "B": "70"}', AB, {"A": 0.3, "B": 0.7}),
    ("trailing_comma", '{"A": 30, "B": 70,}', AB, {"A": 0.3, "B": 0.7}),
    ("trailing_comma_newline", '{\n"A": 30,\n"B": 70,\n}', AB, {"A": 0.3, "B": 0.7}),
    ("unquoted_keys", "{A: 25, B: 75}", AB, {"A": 0.25, "B": 0.75}),
    ("single_quotes", "{'A': 60, 'B': 40}", AB, {"A": 0.6, "B": 0.4}),
    ("all_faults", "{'a': 20%, b: 30 %, 'c': 50%,}", ABC, {"A": 0.2, "B": 0.3, "C": 0.5}),
    # --- missing labels, extra keys, nested objects
    ("missing_label", '{"A": 30, "B": 70}', ABC, err("missing labels ['C']")),
    ("missing_two_labels", '{"B": 100}', ABC, err("missing labels ['A', 'C']")),
    ("extra_keys_dropped", '{"A": 30, "B": 70, "C": 0, "explanation": 1}', AB,
     {"A": 0.3, "B": 0.7}),
    ("extra_label_dropped", '{"A": 30, "B": 60, "C": 10}', AB, {"A": 1 / 3, "B": 2 / 3}),
    ("nested_answer", '{"answer": {"A": 30, "B": 70}}', AB, {"A": 0.3, "B": 0.7}),
    ("nested_with_reasoning", '{"reasoning": "most agree", "percentages": {"A": 80, "B": 20}}',
     AB, {"A": 0.8, "B": 0.2}),
    ("nested_values", '{"A": {"percentage": 30}, "B": {"percentage": 70}}', AB,
     err("is not a number")),
    # --- key spellings and lower case
    ("lower_case_labels", '{"a": 10, "b": 20, "c": 70}', ABC, {"A": 0.1, "B": 0.2, "C": 0.7}),
    ("parenthesised_labels", '{"(A)": 10, "(B)": 90}', AB, {"A": 0.1, "B": 0.9}),
    ("option_labels", '{"Option A": 35, "Option B": 65}', AB, {"A": 0.35, "B": 0.65}),
    ("duplicate_label", '{"A": 10, "a": 20, "B": 70}', AB, err("appears twice")),
    # --- fractions instead of percentages
    ("fractions", '{"A": 0.25, "B": 0.75}', AB, {"A": 0.25, "B": 0.75}),
    ("fractions_not_summing", '{"A": 0.2, "B": 0.2, "C": 0.1}', ABC,
     {"A": 0.4, "B": 0.4, "C": 0.2}),
    # --- Unicode
    ("smart_quotes", "{\u201cA\u201d: 40, \u201cB\u201d: 60}", AB, {"A": 0.4, "B": 0.6}),
    ("fullwidth_punctuation", '\uff5b"A"\uff1a 50\uff0c "B"\uff1a 50\uff5d', AB,
     {"A": 0.5, "B": 0.5}),
    ("unicode_prose", "Voici mon estimation \u00e9clair\u00e9e \u2014 {\"A\": 70, \"B\": 30} \u2713",
     AB, {"A": 0.7, "B": 0.3}),
    ("nbsp_and_fullwidth_percent", '{"A":\u00a030\uff05, "B":\u00a070\uff05}', AB,
     {"A": 0.3, "B": 0.7}),
    # --- empty, no JSON, bad values
    ("empty", "", AB, err("empty output")),
    ("whitespace_only", "   \n\t ", AB, err("empty output")),
    ("no_json", "I think most people would choose A.", AB, err("no JSON object")),
    ("template_echo_only", '{"A": X, "B": X}', AB, err("is not a number")),
    ("all_zero", '{"A": 0, "B": 0}', AB, err("all values are zero")),
    ("negative_value", '{"A": -10, "B": 110}', AB, err("negative")),
    ("null_value", '{"A": null, "B": 100}', AB, err("is not a number")),
    ("boolean_value", '{"A": true, "B": 100}', AB, err("is not a number")),
    ("json_array", "[30, 70]", AB, err("no JSON object")),
    ("word_values", '{"A": "most", "B": "few"}', AB, err("is not a number")),
    # --- two JSON objects
    ("two_objects_first_wins", '{"A": 10, "B": 90}\n{"A": 90, "B": 10}', AB,
     {"A": 0.1, "B": 0.9}),
    ("template_then_answer", 'Using the format {"A": X, "B": X}: {"A": 15, "B": 85}', AB,
     {"A": 0.15, "B": 0.85}),
    ("first_incomplete_then_full", '{"A": 50}\nCorrection: {"A": 40, "B": 60}', AB,
     {"A": 0.4, "B": 0.6}),
    # --- truncated output
    ("truncated_mid_value", '{"A": 30, "B": 2', AB, err("truncated output")),
    ("truncated_after_comma", '{"A": 20, "B": 30, ', ABC, err("truncated output")),
    ("truncated_after_valid", '{"A": 40, "B": 60}\n{"A": 3', AB, {"A": 0.4, "B": 0.6}),
    # --- many options (15 labels, the benchmark's maximum)
    ("fifteen_labels", "{" + ", ".join(f'"{c}": {i + 1}' for i, c in
                                      enumerate("ABCDEFGHIJKLMNO")) + "}",
     tuple("ABCDEFGHIJKLMNO"), {c: (i + 1) / 120 for i, c in enumerate("ABCDEFGHIJKLMNO")}),
    ("exponent_numbers", '{"A": 2.5e1, "B": 7.5E1}', AB, {"A": 0.25, "B": 0.75}),
    ("four_options_messy", "Estimates:\n{A: 10%, B: 20%, C: 30%, D: 40%,}\nThanks!", ABCD,
     {"A": 0.1, "B": 0.2, "C": 0.3, "D": 0.4}),
]

#: The release parser on selected cases: its known behaviours (model key order, no nesting,
#: no lower-case labels, extra keys make the value count wrong).
RELEASE_CASES: list[tuple[str, str, tuple[str, ...], Any]] = [
    ("clean", '{"A": 30, "B": 70}', AB, {"A": 0.3, "B": 0.7}),
    ("model_key_order_kept", '{"C": 10, "A": 60, "B": 30}', ABC, {"A": 0.1, "B": 0.6, "C": 0.3}),
    ("percent_repair", '{"A": 30%, "B": 70%}', AB, {"A": 0.3, "B": 0.7}),
    ("unquoted_keys_repair", "{A: 25, B: 75}", AB, {"A": 0.25, "B": 0.75}),
    ("trailing_comma_repair", '{"A": 30, "B": 70,}', AB, {"A": 0.3, "B": 0.7}),
    ("nested_cut_at_first_brace", '{"answer": {"A": 30, "B": 70}}', AB, err("")),
    ("lower_case_fails", '{"a": 10, "b": 90}', AB, err("missing expected keys")),
    ("extra_key_wrong_length", '{"A": 30, "B": 60, "C": 10}', AB, err("3 values for 2 labels")),
    ("no_json", "A is most likely.", AB, err("no JSON found")),
    ("string_values_fail", '{"A": "30", "B": "70"}', AB, err("not a number")),
    ("fence", '```json\n{"A": 10, "B": 90}\n```', AB, {"A": 0.1, "B": 0.9}),
    ("two_objects_first", '{"A": 10, "B": 90} {"A": 90, "B": 10}', AB, {"A": 0.1, "B": 0.9}),
]
