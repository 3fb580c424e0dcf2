"""Run directories, the run index and queries over it.

    directory  one run directory: its file names, JSON files, outputs (what the report needs)
    index      the run index: SQLite (runs/index.sqlite, WAL, busy timeout), one row a run
    query      filters (`test_accuracy>=99%`, parsed, never eval'd), sorting, RUN prefixes
    claim      one writer per run directory: a flock held for the run's life (PID, host)

`from learnlab import runs` gives the directory's names and the index's two entry points
(`runs.write_json`, `runs.SUMMARY_FILE`, `runs.append_to_index`, ...).
"""

from learnlab.runs.directory import (
    BASELINE_PROBABILITIES_PREFIX,
    CHECKPOINT_FILE,
    CONFIG_FILE,
    GALLERY_IMAGES_KEY,
    GALLERY_INDICES_KEY,
    METRICS_FILE,
    MODEL_FILE,
    OUTPUTS_FILE,
    OUTPUTS_METADATA_KEY,
    REPORT_FILE,
    STEP_LOSSES_KEY,
    SUMMARY_FILE,
    TABLES_FILE,
    TEST_LABELS_KEY,
    TEST_PROBABILITIES_KEY,
    add_outputs,
    choose_run_dir,
    load_outputs,
    read_history,
    read_json,
    read_json_object,
    read_model_info,
    runs_root,
    save_model,
    save_outputs,
    write_json,
)
from learnlab.runs.index import append_to_index, read_index
from learnlab.runs.metric_names import RENAMED_SUMMARY_KEYS, with_current_names

__all__ = [
    "BASELINE_PROBABILITIES_PREFIX",
    "CHECKPOINT_FILE",
    "CONFIG_FILE",
    "GALLERY_IMAGES_KEY",
    "GALLERY_INDICES_KEY",
    "METRICS_FILE",
    "MODEL_FILE",
    "OUTPUTS_FILE",
    "OUTPUTS_METADATA_KEY",
    "RENAMED_SUMMARY_KEYS",
    "REPORT_FILE",
    "STEP_LOSSES_KEY",
    "SUMMARY_FILE",
    "TABLES_FILE",
    "TEST_LABELS_KEY",
    "TEST_PROBABILITIES_KEY",
    "add_outputs",
    "append_to_index",
    "choose_run_dir",
    "load_outputs",
    "read_history",
    "read_index",
    "read_json",
    "read_json_object",
    "read_model_info",
    "runs_root",
    "save_model",
    "save_outputs",
    "with_current_names",
    "write_json",
]
