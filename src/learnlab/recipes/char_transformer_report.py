"""The char-transformer recipe's report: the loss-curve figure and the target and encoder
tables."""

from __future__ import annotations

from typing import Any


def report_figures(history: list[dict[str, float]], step_losses: list[float], steps_per_epoch: int):
    """The loss curve: every step's training loss, and the validation loss after each epoch."""
    from learnlab.report.plots import step_loss_figure

    fig = step_loss_figure(step_losses, steps_per_epoch)
    ax = fig.axes[0]
    ax.plot(
        [h["epoch"] for h in history],
        [h["val_loss"] for h in history],
        "o-",
        color="tab:orange",
        label="validation (held-out 10%)",
    )
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.legend(fontsize="small")
    return {"Loss curve (training steps and validation after each epoch)": fig}


def report_tables(summary: dict[str, Any]) -> dict[str, list[dict[str, object]]]:
    def pct(value: float) -> str:
        return f"{100 * value:.1f}%"

    encoder = [
        {
            "model": "transformer-classifier (attention)",
            "test accuracy": pct(summary["encoder_test_accuracy"]),
            "parameters": summary["encoder_parameters"],
        },
        {
            "model": "bag of tokens + logistic regression",
            "test accuracy": pct(summary["bag_of_tokens_test_accuracy"]),
            "parameters": summary["encoder_vocab"] + 2,  # a weight per count, a bias
        },
        {
            "model": "majority class",
            "test accuracy": pct(summary["majority_test_accuracy"]),
            "parameters": 0,
        },
    ]
    target = [
        {
            "": "validation loss (nats per character)",
            "target": f"<= {summary['target_val_loss']:.2f}",
            "measured": f"{summary['val_loss_nats']:.4f}",
        },
        {
            "": "training time (2 CPU cores)",
            "target": "<= 600 s",
            "measured": f"{summary['train_seconds']:.0f} s ({summary['torch_threads']} threads)",
        },
    ]
    return {"Target (issue 6)": target, "Encoder task: are the two marked tokens equal?": encoder}
