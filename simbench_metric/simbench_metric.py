# Copyright 2026 The simbench-eval authors.
# Licensed under the Apache License, Version 2.0.
"""SimBench: how faithfully a model simulates the answer distribution of a group of people."""

import datasets
import evaluate

from simbench.metric.lists import score_distributions

_CITATION = """\
@inproceedings{hu2026simbench,
  title     = {SimBench: Benchmarking the Ability of Large Language Models to Simulate Human Behaviors},
  author    = {Hu, Tiancheng and Baumann, Joachim and Lupo, Lorenzo and Collier, Nigel and
               Hovy, Dirk and R{\\"o}ttger, Paul},
  booktitle = {International Conference on Learning Representations (ICLR)},
  year      = {2026},
  note      = {arXiv:2510.17516}
}
"""

_DESCRIPTION = """\
The SimBench score compares a model's distribution over a question's answer options with the
distribution of answers a real group of people gave. For each row, with human distribution P, model
distribution Q and the uniform distribution U over the row's K options (P and Q renormalised):

    TV(P, Q) = 1/2 * sum_k |P_k - Q_k|
    S        = 100 * (1 - TV(P, Q) / norm(study))

where norm(study) is the mean TV(P, U) over the rows of the study in the split. The score is the plain
mean of S over the rows. Range (-inf, 100]: 100 = the human distribution exactly, 0 = as good as
predicting the uniform distribution, negative = worse than uniform. With `split`, the official norms
of the full SimBench split are used; without it, the norms come from the references given.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `list` of `float`): the model's distribution over each row's options, in
        label order (A, B, C, ...). Rows are renormalised, so any non-negative scale works.
    references (`list` of `list` of `float`): the human distribution of each row (probabilities or
        the release's percentages), in the same label order.
    dataset_names (`list` of `str`): the SimBench study of each row, release spelling
        (`"MoralMachine"`) or slug (`"moral_machine"`).
    split (`str`, optional): `"pop"` or `"grouped"`: use the official full-split study norms of that
        split (required to reproduce leaderboard numbers). Default `None`: norms from the references.
Returns:
    simbench_score (`float`): mean row score, in (-inf, 100].
    mean_tv (`float`): mean total variation distance, in [0, 1].
    n (`int`): number of rows scored.
    per_study (`dict`): per study slug, `{"score", "mean_tv", "n", "norm"}`.
    norms (`str`): `"official-pop"`, `"official-grouped"` or `"references"`.
Examples:
    >>> simbench = evaluate.load("simbench")  # after `simbench install`  # doctest: +SKIP
    >>> out = simbench.compute(predictions=[[0.5, 0.5], [0.25, 0.75]],
    ...                        references=[[25.0, 75.0], [25.0, 75.0]],
    ...                        dataset_names=["Jester", "Jester"])  # doctest: +SKIP
    >>> round(out["simbench_score"], 6)  # doctest: +SKIP
    50.0
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class SimbenchMetric(evaluate.Metric):
    """The SimBench score (total variation normalised by the uniform baseline per study)."""

    def _info(self):
        return evaluate.MetricInfo(
            module_type="metric",
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": datasets.Sequence(datasets.Value("float64")),
                    "references": datasets.Sequence(datasets.Value("float64")),
                }
            ),
            homepage="https://arxiv.org/abs/2510.17516",
            reference_urls=[
                "https://arxiv.org/abs/2510.17516",
                "https://huggingface.co/datasets/pitehu/SimBench",
            ],
        )

    def _compute(self, predictions, references, dataset_names=None, split=None):
        if dataset_names is None:
            raise ValueError("dataset_names is required: the study of each row (e.g. 'MoralMachine')")
        return score_distributions(predictions, references, list(dataset_names), split=split)
