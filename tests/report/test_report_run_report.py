"""A run's report rebuilt from its run directory: the same page, byte for byte, as the one the
training wrote; the outputs file holds what the report needs; clear errors for other folders."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import torch

from learnlab import runs
from learnlab.io.errors import DataError
from learnlab.report.html import Section
from learnlab.report.run_report import (
    SECTION_BUILDERS,
    build_run_report,
    read_run_files,
    section_tables,
    section_test_metrics,
)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """One short run on the 8x8 digits (about 1 s), shared by the tests that only read it."""
    from learnlab.config import TrainConfig
    from learnlab.pipeline import run_training

    root = tmp_path_factory.mktemp("runs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEARNLAB_RUNS", str(root / "runs"))
        config = TrainConfig(
            dataset="digits",
            model="mlp",
            model_options={"width": 32},
            epochs=3,
            progress=False,
        )
        outcome = run_training(config, run_dir=root / "run", title="digits <mlp>", notes=["n1"])
    return outcome.run_dir


def test_rebuilt_report_is_byte_identical_to_the_first(run_dir, tmp_path):
    first = (run_dir / runs.REPORT_FILE).read_bytes()
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    (copy / runs.REPORT_FILE).unlink()
    path = build_run_report(copy)
    assert path == copy / runs.REPORT_FILE
    assert path.read_bytes() == first
    page = first.decode("utf-8")
    for section in ("headline", "curves", "gallery", "metrics", "confusion", "config"):
        assert f'<section id="{section}">' in page
    assert "digits &lt;mlp&gt;" in page and "<li>n1</li>" in page
    # the loss at every step is drawn in the training curves, not as a figure of its own
    assert "optimizer steps" in page and "Training loss at every step" not in page


def test_outputs_file_holds_labels_probabilities_and_step_losses(run_dir):
    from learnlab.data import load_dataset

    tensors, meta = runs.load_outputs(run_dir)
    labels = tensors[runs.TEST_LABELS_KEY]
    probabilities = tensors[runs.TEST_PROBABILITIES_KEY]
    losses = tensors[runs.STEP_LOSSES_KEY]
    assert labels.dtype == torch.int64 and probabilities.dtype == torch.float32
    assert torch.equal(labels, load_dataset("digits").test.y.long())
    assert probabilities.shape == (len(labels), 10)
    torch.testing.assert_close(probabilities.sum(dim=1), torch.ones(len(labels)))
    summary = json.loads((run_dir / runs.SUMMARY_FILE).read_text())
    accuracy = (probabilities.argmax(dim=1) == labels).double().mean().item()
    assert accuracy == pytest.approx(summary["test_accuracy"], abs=1e-6)
    info = json.loads((run_dir / "result.json").read_text())
    assert info["title"] == "digits <mlp>" and info["notes"] == ["n1"]
    assert len(losses) == 3 * meta["steps_per_epoch"] and torch.isfinite(losses).all()
    # the losses of the last epoch average to the logged train loss of that epoch (up to the
    # unequal size of the last batch)
    history = [json.loads(x) for x in (run_dir / runs.METRICS_FILE).read_text().splitlines()]
    last_epoch = losses[-meta["steps_per_epoch"] :].double().mean().item()
    assert last_epoch == pytest.approx(history[-1]["train_loss"], rel=0.05)
    info = runs.read_model_info(run_dir)
    assert info["class_names"] == [str(i) for i in range(10)] and info["task"] == "classification"


def test_confusion_from_outputs_matches_the_summary_scores(run_dir):
    from sklearn.metrics import f1_score

    run = read_run_files(run_dir)
    labels = run.outputs[runs.TEST_LABELS_KEY]
    predicted = run.outputs[runs.TEST_PROBABILITIES_KEY].argmax(dim=1)
    assert int(run.confusion.sum()) == len(labels)
    assert run.summary["test_macro_f1"] == pytest.approx(
        f1_score(labels.numpy(), predicted.numpy(), average="macro"), abs=1e-9
    )


def test_the_page_leads_with_the_answer_then_curves_then_gallery_then_the_rest(run_dir):
    # the page the run wrote (built by the same code): its sections in SECTION_BUILDERS order
    page = (run_dir / runs.REPORT_FILE).read_text()
    anchors = re.findall(r'<section id="([a-z]+)">', page)
    # no tables.json, no stored figure (the step losses are in the curves)
    assert anchors == [
        "headline",
        "curves",
        "gallery",
        "metrics",
        "confusion",
        "classification",
        "config",
    ]
    builders = [b.__name__ for b in SECTION_BUILDERS]
    assert builders.index("section_confusion") < builders.index("section_figures")
    # the first words under the title are the answer: the test accuracy and loss
    summary = json.loads((run_dir / runs.SUMMARY_FILE).read_text())
    headline = page[page.index('<section id="headline">') : page.index('<section id="curves">')]
    accuracy = f"{100 * summary['test_accuracy']:.2f}%"
    assert f"Test accuracy <strong>{accuracy}</strong>" in headline
    assert f"test loss <strong>{summary['test_loss']:.4g}</strong>" in headline
    assert "on the 360 test examples, after 3 epochs" in headline
    logreg = summary["baseline_logreg_accuracy"]
    assert f"logistic regression ({100 * logreg:.2f}%)".lower() in headline.lower()


def test_tables_json_adds_a_tables_section(run_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    runs.write_json(copy / runs.TABLES_FILE, {"paper vs measured": [{"paper": 1.0, "ours": 2}]})
    section = section_tables(read_run_files(copy))  # one section; the page itself is above
    assert isinstance(section, Section) and section.anchor == "tables"
    assert "paper vs measured" in section.html() and '<td class="num">2</td>' in section.html()
    assert section_tables(read_run_files(run_dir)) is None


def test_report_command_rebuilds_the_page_of_a_run_directory(run_dir, tmp_path, capsys):
    from learnlab.cli import main

    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    (copy / runs.REPORT_FILE).unlink()
    assert main(["report", str(copy)]) == 0
    assert capsys.readouterr().out.strip() == str(copy / runs.REPORT_FILE)
    assert (copy / runs.REPORT_FILE).read_bytes() == (run_dir / runs.REPORT_FILE).read_bytes()


def test_unfinished_or_foreign_directories_are_refused(run_dir, tmp_path):
    with pytest.raises(DataError, match="not a directory"):
        build_run_report(tmp_path / "nowhere")
    with pytest.raises(DataError, match="has not finished"):
        build_run_report(tmp_path)
    failed = tmp_path / "failed"
    failed.mkdir()
    runs.write_json(failed / runs.SUMMARY_FILE, {"status": "failed", "error": "NaN loss"})
    with pytest.raises(DataError, match="NaN loss"):
        build_run_report(failed)
    missing = tmp_path / "missing"
    shutil.copytree(run_dir, missing)
    (missing / runs.OUTPUTS_FILE).unlink()
    with pytest.raises(DataError, match="outputs.safetensors is missing"):
        build_run_report(missing)


def test_damaged_run_files_give_a_clear_error_or_are_read_as_far_as_they_go(
    run_dir, tmp_path, capsys
):
    from learnlab.cli import main

    # a metrics line cut by a crash is skipped; the epochs before it are kept
    cut = tmp_path / "cut"
    shutil.copytree(run_dir, cut)
    with open(cut / runs.METRICS_FILE, "a", encoding="utf-8") as f:
        f.write('{"epoch": 4, "train_lo')
    assert len(read_run_files(cut).history) == 3
    assert main(["report", str(cut)]) == 0
    assert main(["runs", "compare", str(cut), str(run_dir)]) == 0
    capsys.readouterr()
    # a summary that is not a JSON object, or not JSON at all: exit 2 and the file's name
    for text, message in (("[1, 2]", "holds a JSON list"), ('{"status": "comp', "not valid JSON")):
        damaged = tmp_path / f"damaged-{len(text)}"
        shutil.copytree(run_dir, damaged)
        (damaged / runs.SUMMARY_FILE).write_text(text)
        with pytest.raises(DataError, match=message):
            build_run_report(damaged)
        assert main(["report", str(damaged)]) == 2
        err = capsys.readouterr().err
        assert str(damaged / runs.SUMMARY_FILE) in err and "Traceback" not in err


def test_gallery_holds_the_worst_classified_test_images_of_the_run(run_dir):
    """outputs.safetensors keeps the 24 test images of highest loss (worst first) as uint8
    copies of the data set's test images, so the report draws them from the run's files."""
    import numpy as np

    from learnlab.data import load_dataset

    tensors, _ = runs.load_outputs(run_dir)
    indices = tensors[runs.GALLERY_INDICES_KEY]
    images = tensors[runs.GALLERY_IMAGES_KEY]
    assert images.dtype == torch.uint8 and tuple(images.shape) == (24, 1, 8, 8)
    # the oracle: numpy's ranking of -log p(true class)
    labels = tensors[runs.TEST_LABELS_KEY].numpy()
    p = tensors[runs.TEST_PROBABILITIES_KEY].double().numpy()
    loss = -np.log(p[np.arange(len(labels)), labels])
    chosen = loss[indices.numpy()]
    assert (np.diff(chosen) <= 0).all()  # worst first
    assert chosen.min() >= np.sort(loss)[-24]  # no test example outside has a higher loss
    # the digits' pixels, 0..16, as 0..255
    raw = load_dataset("digits").test.x[indices].double()
    assert torch.equal(images, (raw / 16 * 255).round().to(torch.uint8))
    page = (run_dir / runs.REPORT_FILE).read_text()
    gallery = page[page.index('<section id="gallery">') : page.index('<section id="metrics">')]
    wrong = int((p.argmax(axis=1) != labels).sum())
    assert "The 24 test images with the highest loss" in gallery
    assert f"{wrong} of the 360 test images in all" in gallery
    assert gallery.count("data:image/png;base64,") == 1


def test_a_run_written_with_the_old_metric_names_reads_with_the_current_ones(run_dir, tmp_path):
    """summary.json once held macro_precision/recall/f1 unprefixed; such a run reads with the
    current names (test_macro_f1), as a new run's summary does."""
    old = tmp_path / "old"
    shutil.copytree(run_dir, old)
    summary = json.loads((old / runs.SUMMARY_FILE).read_text())
    assert not any(key.startswith("macro_") for key in summary)  # one naming scheme
    renamed = {
        key.removeprefix("test_")
        if "macro_" in key and key.split("_")[-1] in ("precision", "recall", "f1")
        else key: value
        for key, value in summary.items()
    }
    assert "macro_f1" in renamed and "test_macro_f1" not in renamed
    runs.write_json(old / runs.SUMMARY_FILE, renamed)
    assert read_run_files(old).summary == summary  # same names, same order
    # so its summary section is the new run's (the whole page is drawn from these values)
    new_section = section_test_metrics(read_run_files(run_dir))
    assert section_test_metrics(read_run_files(old)) == new_section
    assert new_section is not None and "<code>test_macro_f1</code>" in new_section.html()


def test_the_page_holds_no_absolute_path_of_the_machine(run_dir, tmp_path):
    """A page to share: data_root and a model file of the user's show relative to the page."""
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    config = json.loads((copy / runs.CONFIG_FILE).read_text())
    config["data_root"] = str(tmp_path / "data")
    config["model"] = f"{tmp_path / 'nets.py'}:build"  # as `--model path/nets.py:build`
    (copy / runs.CONFIG_FILE).write_text(json.dumps(config))
    page = build_run_report(copy).read_text()
    assert str(tmp_path) not in page and str(run_dir.parent) not in page
    if len(str(Path.home())) > 1:
        assert str(Path.home()) not in page
    assert "<td>../data</td>" in page and "<td>../nets.py:build</td>" in page
