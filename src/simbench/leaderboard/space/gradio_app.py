"""The Gradio app of the Space: a thin layer over the plain functions of this package.

Tabs: *Leaderboard* (the table, filters by method, split coverage and source, search by model
name, a reload button; a timer reloads stale submissions), *Model details* (per-study scores and
the ``simbench report`` plots of a submitted model), *Scaling* (score against parameter count with
the fit per family), *Submit* (check a bundled submission, open its pull request) and *About*.
gradio is imported here only, when the app is built.

Examples
--------
>>> sorted(launch_options())
['css', 'footer_links']

``app.py`` of the Space folder does (the browser tests run it)::

    demo = build_app(SpaceConfig.from_env(submissions_repo="me/simbench-leaderboard"))
    demo.launch(**launch_options())
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

from ...choices import METHODS
from ...errors import SimBenchError
from .entries import COVERAGE_CHOICES, filter_entries
from .model_plots import report_plots
from .scaling_panel import scaling_view
from .store import BoardState, BoardStore, SpaceConfig
from .upload import UploadCheck, check_upload, open_pull_request, upload_markdown
from .views import (
    BOARD_CSS,
    board_html,
    model_details,
    per_study_html,
    plots_html,
    rejected_markdown,
    status_markdown,
)

__all__ = ["build_app", "launch_options"]

logger = logging.getLogger(__name__)

_LEAD = ("How closely does a language model's answer distribution match the distribution of "
         "human answers? SimBench score: 100 = the human distribution, 0 = the uniform "
         "distribution (the red line), below 0 = worse than answering uniformly. Submitted rows "
         "are re-scored here from their per-item predictions, with 95% cluster-bootstrap "
         "intervals; published rows are the paper's numbers.")
_ABOUT = """
**What the board shows.** The SimBench score is the mean of the Pop and Grouped split scores;
each split score is the mean over its rows of `100 * (1 - TV / TV_uniform)` with the study's
full-split norm. Every submission under `submissions/` of the leaderboard dataset is validated
strictly (provenance, one prediction per item of each submitted split, each distribution against
its item) and re-scored from its predictions by simbench-eval, exactly as
`simbench leaderboard build` does. An invalid entry is left off and listed with its problems.

**Submitting.** `simbench run --model <hub id> --out runs/m`, then
`simbench submit runs/m --leaderboard <this leaderboard's dataset>`: it opens a pull request with
the bundled entry on the dataset and one with `.eval_results/simbench.yaml` on the model.
"""
_CHOICES_METHOD = ["all", *METHODS, "uniform"]


def launch_options() -> dict[str, Any]:
    """Keyword arguments for ``demo.launch``: the board's CSS (loopback and port 7860 unless
    ``GRADIO_SERVER_NAME`` / ``GRADIO_SERVER_PORT`` say otherwise, as on Spaces)."""
    return {"css": BOARD_CSS, "footer_links": []}


def _board(state: BoardState, method: str, coverage: str, source: str, query: str) -> str:
    ranks = {e.key: i for i, e in enumerate(state.entries, start=1)}
    shown = filter_entries(state.entries, method=method, coverage=coverage, source=source,
                           query=query or "")
    return board_html(shown, total=len(state.entries), ranks=ranks)


def _status(state: BoardState) -> str:
    return status_markdown(len(state.entries), state.n_submitted, state.loaded_at, state.origin,
                           state.error, state.rejected)


class _Panels:
    """The callbacks, over one store (plots cached per entry in a temporary folder)."""

    def __init__(self, store: BoardStore) -> None:
        self.store = store
        self.plot_dir = Path(tempfile.mkdtemp(prefix="simbench-space-"))
        self.plots: dict[str, str] = {}

    def model(self, key: str | None) -> tuple[str, str, str]:
        """The details, the per-study table and the report plots of one entry."""
        state = self.store.state()
        entry = state.entry(key) if key else None
        if entry is None:
            return "Choose a model.", "", ""
        text = model_details(entry)
        if entry.results is None:
            return text, "", ""
        if entry.key not in self.plots:
            out = self.plot_dir / f"plots-{len(self.plots)}"
            try:
                figs = report_plots(entry, self.store.items(), out,
                                    n_resamples=self.store.config.report_resamples,
                                    seed=self.store.config.seed)
            except SimBenchError as e:
                logger.exception("report plots of %s failed", entry.key)
                return (text + f"\n\nThe report plots could not be drawn: {e}",
                        per_study_html(entry.results), "")
            self.plots[entry.key] = plots_html(figs)
        return text, per_study_html(entry.results), self.plots[entry.key]

    def check(self, file: Any) -> tuple[str, UploadCheck | None, Any]:
        import gradio as gr

        if file is None:
            return "Upload a bundled submission (`.json`) first.", None, gr.update(visible=False)
        path = file if isinstance(file, str) else getattr(file, "name", str(file))
        cfg = self.store.config
        check = check_upload(path, self.store.items(), leaderboard_repo=cfg.submissions_repo,
                             n_resamples=cfg.n_resamples, seed=cfg.seed)
        can_pr = bool(cfg.token and cfg.submissions_repo)
        return (upload_markdown(check, can_open_pr=can_pr), check,
                gr.update(visible=check.ok and can_pr))

    def open_pr(self, check: UploadCheck | None) -> str:
        token = self.store.config.token
        if check is None or token is None:
            return "Check an accepted submission first."
        try:
            return f"Opened the pull request: {open_pull_request(check, token=token)}"
        except Exception as e:  # the Hub refused: say why in the page
            logger.exception("opening the pull request failed")
            return f"The pull request could not be opened: {type(e).__name__}: {e}"


def build_app(config: SpaceConfig | None = None, *, store: BoardStore | None = None,
              title: str = "SimBench leaderboard", preload: bool = True) -> Any:
    """Build the Space's ``gradio.Blocks`` (``preload``: load and score the board first)."""
    import gradio as gr

    store = store or BoardStore(config or SpaceConfig.from_env())
    state = store.reload() if preload else store.state()
    panels = _Panels(store)

    with gr.Blocks(title=title) as demo:
        gr.Markdown(f"# {title}\n\n{_LEAD}")
        status = gr.Markdown(_status(state), elem_id="simbench-status")
        version = gr.State(state.version)
        with gr.Tabs():
            with gr.Tab("Leaderboard", id="board"):
                with gr.Row(equal_height=True):
                    method = gr.Radio(_CHOICES_METHOD, value="all", label="Method",
                                      elem_id="filter-method")
                    coverage = gr.Radio(["all", *COVERAGE_CHOICES], value="all",
                                        label="Split coverage", elem_id="filter-coverage")
                    source = gr.Radio(["all", "published", "submitted"], value="all",
                                      label="Source", elem_id="filter-source")
                with gr.Row(equal_height=True):
                    query = gr.Textbox(label="Search by model name", placeholder="e.g. Qwen2.5",
                                       elem_id="search", scale=4)
                    reload = gr.Button("Reload submissions", elem_id="reload", scale=1)
                board = gr.HTML(_board(state, "all", "all", "all", ""), elem_id="board",
                                js_on_load=None)
            with gr.Tab("Model details", id="model"):
                model = gr.Dropdown([e.key for e in state.entries], value=None, label="Model",
                                    elem_id="model-select")
                details = gr.Markdown("Choose a model.", elem_id="model-details")
                studies = gr.HTML("", elem_id="model-studies", js_on_load=None)
                plots = gr.HTML("", elem_id="model-plots", js_on_load=None)
            with gr.Tab("Scaling", id="scaling"):
                fig, fits = scaling_view(state.entries)
                scaling_plot = gr.Plot(fig, elem_id="scaling-plot", format="png")
                scaling_fits = gr.Markdown(fits, elem_id="scaling-fits")
            with gr.Tab("Submit", id="submit"):
                upload = gr.File(label="Bundled submission (.json)", file_types=[".json"],
                                 elem_id="upload")
                check_btn = gr.Button("Check submission", variant="primary", elem_id="check")
                verdict = gr.Markdown(elem_id="verdict")
                pr_btn = gr.Button("Open the pull request", visible=False, elem_id="open-pr")
                pr_out = gr.Markdown(elem_id="pr-result")
                checked = gr.State(None)
                gr.Markdown("#### Entries of the repository left off the board")
                rejected = gr.Markdown(rejected_markdown(state.rejected), elem_id="rejected")
            with gr.Tab("About", id="about"):
                gr.Markdown(_ABOUT)
        timer = gr.Timer(60.0)

        filters = [method, coverage, source, query]

        def view(*args: str) -> str:
            return _board(store.state(), *args)

        def refresh(seen: int, *args: str, force: bool = False) -> tuple[Any, ...]:
            st = store.reload() if force else store.state()
            if st.version == seen:
                return tuple(gr.skip() for _ in range(7))
            fig, fits = scaling_view(st.entries)
            return (st.version, _status(st), _board(st, *args),
                    gr.update(choices=[e.key for e in st.entries]), fig, fits,
                    rejected_markdown(st.rejected))

        outputs = [version, status, board, model, scaling_plot, scaling_fits, rejected]
        # One queue for everything that redraws the board, so the last change always wins.
        board_queue = {"concurrency_id": "board", "concurrency_limit": 1}
        for f in (method, coverage, source):
            f.change(view, filters, board, **board_queue)  # type: ignore[arg-type]
        query.change(view, filters, board, trigger_mode="always_last",
                    **board_queue)  # type: ignore[arg-type]
        reload.click(lambda seen, *a: refresh(seen, *a, force=True), [version, *filters], outputs,
                     **board_queue)  # type: ignore[arg-type]
        timer.tick(refresh, [version, *filters], outputs, **board_queue)  # type: ignore[arg-type]
        model.change(panels.model, model, [details, studies, plots])
        check_btn.click(panels.check, upload, [verdict, checked, pr_btn])
        pr_btn.click(panels.open_pr, checked, pr_out)
    return demo
