"""A Hugging Face Space for the SimBench metric (``sdk: gradio``, see README.md).

The stock ``evaluate.utils.launch_gradio_widget`` only offers the metric's features as columns; the
SimBench score also needs each row's study and, optionally, the split whose official norms to use, so
this app builds the same kind of table widget with a ``dataset_name`` column and a split choice.
Run locally with ``python app.py`` (needs ``gradio``).
"""

import json
from pathlib import Path

import evaluate

HERE = Path(__file__).resolve().parent
SPLIT_CHOICES = ["official pop norms", "official grouped norms", "norms from these rows"]


def load_module():
    """The metric module next to this file (the Space repository holds simbench_metric.py)."""
    return evaluate.load(str(HERE / "simbench_metric.py"))


def parse_rows(rows):
    """Table rows ``[prediction JSON list, reference JSON list, dataset_name]`` -> compute kwargs."""
    predictions, references, names = [], [], []
    for i, row in enumerate(rows):
        if not any(str(cell).strip() for cell in row):
            continue
        try:
            predictions.append([float(x) for x in json.loads(str(row[0]))])
            references.append([float(x) for x in json.loads(str(row[1]))])
        except (ValueError, TypeError) as e:
            raise ValueError(f"row {i}: predictions and references must be JSON lists of numbers "
                             f"({e})") from None
        names.append(str(row[2]).strip())
    return {"predictions": predictions, "references": references, "dataset_names": names}


def compute_table(module, rows, split_choice=SPLIT_CHOICES[0]):
    """Score the table rows; return the result as indented JSON text."""
    split = {SPLIT_CHOICES[0]: "pop", SPLIT_CHOICES[1]: "grouped"}.get(split_choice)
    result = module.compute(**parse_rows(rows), split=split)
    return json.dumps(result, indent=2)


def main():
    import gradio as gr

    module = load_module()
    readme = (HERE / "README.md").read_text(encoding="utf-8").split("---", 2)[-1]
    demo = gr.Interface(
        fn=lambda table, split: compute_table(module, table.values.tolist(), split),
        inputs=[
            gr.Dataframe(headers=["predictions", "references", "dataset_name"],
                         value=[["[0.5, 0.5]", "[25, 75]", "Jester"]], col_count=3,
                         datatype=["str", "str", "str"], label="one row per question"),
            gr.Radio(SPLIT_CHOICES, value=SPLIT_CHOICES[0], label="norms"),
        ],
        outputs=gr.Textbox(label="SimBench score", lines=12),
        title="Metric: SimBench",
        description=module.info.description,
        article=readme,
    )
    demo.launch()


if __name__ == "__main__":
    main()
