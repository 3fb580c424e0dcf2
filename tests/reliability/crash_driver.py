"""Run `learnlab.pipeline.run_training` in this process and SIGKILL it at a chosen point.

Used by test_reliability_crash.py as a subprocess (not a test module itself):

    python crash_driver.py CONFIG_JSON RUN_DIR fresh|resume KILL   one attempt
    python crash_driver.py serve CONFIG_JSON                         many attempts, forked

`serve` imports torch and learnlab once, then reads lines "RUN_DIR MODE KILL" on stdin; for
each it forks a child that makes that attempt (a real process, killed by a real SIGKILL) and
answers "exit N" or "signal N" on stdout. Importing torch costs seconds per process on this
machine and a fork milliseconds. The server runs no torch computation itself, so the children
start with no OpenMP thread pool to inherit (forking after one was used can hang).

KILL says where this process kills itself with SIGKILL (nothing is caught, nothing flushed):

    none            train to the end (the uninterrupted reference)
    step:T          during optimizer step T + 1: gradients computed, weights not yet updated
                    (event after_backward with trainer.step == T)
    validation:E    during the validation pass of epoch E (1-based): a forward pre-hook on the
                    model fires on the first eval-mode forward while epoch E is running
    write:T         during the checkpoint write that follows step T: a background thread
                    watches the run directory from then on and kills the process as soon as a
                    `.checkpoint.safetensors.*.tmp` exists (the write is in progress: temporary
                    file created, not yet renamed). If the thread misses the write (the rename
                    won the race), the process kills itself at the next batch instead; the test
                    sees no temporary file left and tries again.

Only public hooks are used (a Callback passed as extra_callbacks, torch's forward pre-hook);
no library code is patched.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path

TEMP_PREFIX = ".checkpoint.safetensors."


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def watch_for_temp_file(folder: Path) -> None:
    """Busy-poll `folder`; SIGKILL this process while a checkpoint temp file exists."""
    while True:
        for name in os.listdir(folder):
            if name.startswith(TEMP_PREFIX) and name.endswith(".tmp"):
                die()


def make_kill_switch(spec: str, run_dir: Path):
    from learnlab.train.events import Callback

    phase, _, target = spec.partition(":")
    target_value = int(target) if target else -1

    class KillSwitch(Callback):
        order = 65  # after_batch before the Checkpointer (70) writes

        def __init__(self) -> None:
            self.watching = False
            self.hook = None

        def before_fit(self, trainer) -> None:
            if phase == "validation":

                def pre_forward(module, args) -> None:
                    if not module.training and trainer.epoch == target_value - 1:
                        die()

                self.hook = trainer.model.register_forward_pre_hook(pre_forward)

        def after_backward(self, trainer) -> None:
            if phase == "step" and trainer.step == target_value:
                die()

        def after_batch(self, trainer) -> None:
            if phase == "write" and trainer.step >= target_value and not self.watching:
                self.watching = True
                thread = threading.Thread(target=watch_for_temp_file, args=(run_dir,))
                thread.daemon = True
                thread.start()

        def before_batch(self, trainer) -> None:
            if self.watching:  # the watcher missed that write: kill anyway, test retries
                die()

        def after_fit(self, trainer) -> None:
            if self.hook is not None:
                self.hook.remove()

    return KillSwitch()


def main(config_json: str, run_dir: str, mode: str, kill: str) -> int:
    from rich.console import Console

    from learnlab.config import TrainConfig
    from learnlab.pipeline import run_training

    config = TrainConfig.model_validate(json.loads(Path(config_json).read_text()))
    run_path = Path(run_dir)
    run_path.mkdir(parents=True, exist_ok=True)  # the watcher thread lists it from the start
    run_training(
        config,
        run_dir=run_path if mode == "fresh" else None,
        resume=run_path if mode == "resume" else None,
        console=Console(stderr=True, quiet=True),
        extra_callbacks=[make_kill_switch(kill, run_path)],
        index=False,
        report=False,
    )
    return 0


def serve(config_json: str) -> int:
    import torch._dynamo  # noqa: F401 - imported by the first optimizer; import it once here
    from sklearn import datasets  # noqa: F401 - the digits data set

    import learnlab.pipeline  # noqa: F401

    for line in sys.stdin:
        run_dir, mode, kill = line.split()
        pid = os.fork()
        if pid == 0:  # the child: one attempt, never returns into this loop
            code = 1
            try:
                code = main(config_json, run_dir, mode, kill)
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            print(f"signal {os.WTERMSIG(status)}", flush=True)
        else:
            print(f"exit {os.WEXITSTATUS(status)}", flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        sys.exit(serve(sys.argv[2]))
    sys.exit(main(*sys.argv[1:]))
