"""A report in a real browser: headless Chromium (Debian's `chromium` package) loads the page
from a file, and the test asks the browser itself, over the DevTools protocol, whether every
image decoded and how large it is, which sections the page shows, and takes a screenshot that
must not be blank. Skipped, with the reason, where Chromium is not installed.

The DevTools protocol runs over a pipe (`--remote-debugging-pipe`: commands on fd 3, replies on
fd 4, JSON messages ending in a NUL byte), so no network port is opened. The JavaScript that
reads the image state is the test's, sent to the browser; reports themselves carry none.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from learnlab.report.html import render_report, write_page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian: apt-get install chromium); the real-browser "
    "check of the HTML report needs it",
)
WIDTH = 1000
PROBE = """JSON.stringify({
  title: document.querySelector("h1") && document.querySelector("h1").textContent,
  sections: Array.from(document.querySelectorAll("section")).map(s => s.id),
  images: Array.from(document.images).map(i => ({complete: i.complete,
      naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight,
      shownWidth: i.getBoundingClientRect().width})),
  height: document.documentElement.scrollHeight,
  scripts: document.scripts.length,
})"""


class DevTools:
    """A minimal DevTools-protocol client over Chromium's debugging pipe."""

    def __init__(self, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        flags = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
        ]
        # the browser reads commands on fd 3 and writes replies on fd 4
        shell = f'exec "$@" 3<&{to_browser_r} 4>&{from_browser_w}'
        self.process = subprocess.Popen(
            ["bash", "-c", shell, "chromium", CHROMIUM, *flags],
            pass_fds=(to_browser_r, from_browser_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def _read_message(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the debugging pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read_message()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, event: str) -> None:
        while not any(e.get("method") == event for e in self.events):
            self.events.append(self._read_message())

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):  # it may be gone already
            self.send("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


def render(page: Path, profile: Path) -> tuple[dict[str, Any], bytes]:
    """Load `page` in headless Chromium; return what the browser reports and a screenshot."""
    browser = DevTools(profile)
    try:
        target = browser.send("Target.createTarget", url="about:blank")["targetId"]
        session = browser.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=WIDTH,
            height=800,
            deviceScaleFactor=1,
            mobile=False,
        )
        browser.send("Page.enable", session)
        browser.send("Page.navigate", session, url=page.resolve().as_uri())
        browser.wait_for("Page.loadEventFired")  # after every image has loaded or failed
        probe = browser.send("Runtime.evaluate", session, expression=PROBE, returnByValue=True)
        state = json.loads(probe["result"]["value"])
        shot = browser.send(
            "Page.captureScreenshot", session, format="png", captureBeyondViewport=True
        )
        return state, base64.b64decode(shot["data"])
    finally:
        browser.close()


def colourful_pixels(png: bytes) -> int:
    """Pixels whose channels differ by more than 60: the figures' colours (the page's own
    text, borders and backgrounds are greys)."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.int16)
    return int((pixels.max(axis=2) - pixels.min(axis=2) > 60).sum())


def report_with_every_section(run_dir: Path) -> Path:
    import torch

    from learnlab.report.plots import step_loss_figure

    history = [
        {"epoch": e, "train_loss": 1 / e, "val_loss": 1.2 / e, "val_accuracy": 0.6 + e / 20}
        for e in range(1, 6)
    ]
    return write_page(
        run_dir,
        render_report(
            title="Browser check <b>escaped</b>",
            summary={"test_accuracy": 0.9731, "test_loss": 0.0912},
            history=history,
            config={"model": "mlp", "lr": 0.01},
            confusion=torch.tensor([[40, 2, 1], [3, 35, 2], [0, 4, 38]]),
            class_names=["cat", "dog", "bird"],
            notes=["rendered by Chromium"],
            tables={
                "paper vs measured": [{"quantity": "test error %", "paper": 0.95, "ours": 1.1}]
            },
            extra_figures={
                "Training loss at every step": step_loss_figure([2.0, 1.0, 0.5, 0.4], 2)
            },
        ),
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    return report_with_every_section(tmp_path_factory.mktemp("run"))


def test_chromium_renders_the_report_with_every_image_loaded(report, tmp_path):
    path = report
    state, screenshot = render(path, tmp_path / "profile")
    (tmp_path / "screenshot.png").write_bytes(screenshot)  # kept for a person to look at

    assert state["title"] == "Browser check <b>escaped</b>"  # shown as text, not markup
    assert state["sections"] == ["metrics", "curves", "confusion", "tables", "figures", "config"]
    assert state["scripts"] == 0
    assert len(state["images"]) == 3
    for image in state["images"]:
        assert image["complete"] and image["naturalWidth"] > 0, image  # decoded, not broken
        # drawn at half its pixel size (2x rendering for sharp text), within the column
        assert 0 < image["shownWidth"] <= WIDTH
    from PIL import Image

    shot = Image.open(io.BytesIO(screenshot))
    # the whole page: the window's width less a scroll bar, and all of its height
    assert WIDTH - 20 <= shot.size[0] <= WIDTH and shot.size[1] >= state["height"] - 1
    assert colourful_pixels(screenshot) > 5_000  # the figures are on the screen


def test_a_broken_image_is_detected(report, tmp_path):
    """The check above can fail: the same page with one image's data cut short reports it."""
    page = report.read_text(encoding="utf-8")
    start = page.index("data:image/png;base64,") + len("data:image/png;base64,")
    broken = tmp_path / "broken.html"
    broken.write_text(page[:start] + "iVBORw0KGgo" + page[page.index('"', start) :])
    state, _ = render(broken, tmp_path / "profile")
    loaded = [i["naturalWidth"] > 0 for i in state["images"]]
    assert loaded == [False, True, True]


def test_chromium_renders_a_runs_page_answer_first(tmp_path, monkeypatch):
    """A real run's page (an MLP on the 8x8 digits): the answer, the curves and the gallery
    of worst-classified images come first, every image decodes, and the screenshot's top
    shows the verdict."""
    from learnlab.config import TrainConfig
    from learnlab.pipeline import run_training

    monkeypatch.setenv("LEARNLAB_RUNS", str(tmp_path / "runs"))
    config = TrainConfig(dataset="digits", model="mlp", epochs=2, progress=False)
    run_dir = run_training(config, run_dir=tmp_path / "run").run_dir
    state, screenshot = render(run_dir / "report.html", tmp_path / "profile")
    (tmp_path / "screenshot.png").write_bytes(screenshot)  # kept for a person to look at
    assert state["sections"][:4] == ["headline", "curves", "gallery", "metrics"]
    assert state["scripts"] == 0 and len(state["images"]) == 7
    for image in state["images"]:
        assert image["complete"] and image["naturalWidth"] > 0, image
        assert 0 < image["shownWidth"] <= WIDTH
    import numpy as np
    from PIL import Image

    # the red border of the verdict "logistic regression beats this model" (2 epochs of an
    # MLP stay below logistic regression's 96.39% on digits), 4 px by its height, near the top
    top = np.asarray(Image.open(io.BytesIO(screenshot)).convert("RGB"))[:400].astype(int)
    red = (top[..., 0] > 170) & (top[..., 1] < 80) & (top[..., 2] < 90)
    assert red.sum() > 300
