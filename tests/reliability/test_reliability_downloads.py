"""Interrupted and wrong downloads leave nothing that a later run would take for a good file.

A real HTTP server on 127.0.0.1 (http.server in a thread) serves a data file whole, cut off
half way (the connection closes early, with or without a Content-Length), with wrong bytes, or
stalled half way (for a downloader killed with SIGKILL). After each failure the destination
does not exist, no temporary file is left (except after SIGKILL, where the part file has
another name and the next download removes it), `fetch_file(download=False)` still says the
file is missing, and a later good download succeeds.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from learnlab.data.files import RemoteFile, cache_dir, download_file, fetch_file
from learnlab.io.errors import DataError, DataNotFound

PAYLOAD = bytes(range(256)) * 4096 * 4  # 4 MiB: several of the downloader's 1 MiB reads
WRONG = b"\xff" * len(PAYLOAD)
REL_PATH = "testset/train-images-idx3-ubyte.gz"


class _Handler(http.server.BaseHTTPRequestHandler):
    """GET /full, /half, /half-no-length, /wrong, /stall; anything else is a 404."""

    stall = threading.Event()  # replaced per server

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        route = self.path.strip("/")
        if route not in {"full", "half", "half-no-length", "wrong", "stall"}:
            self.send_error(404)
            return
        body = WRONG if route == "wrong" else PAYLOAD
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if route != "half-no-length":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if route in {"full", "wrong"}:
            self.wfile.write(body)
            return
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        if route == "stall":
            self.stall.wait(timeout=30)  # until the test is over, or the client is killed
        # returning closes the connection (HTTP/1.0): the client sees the stream end early

    def log_message(self, format, *args) -> None:  # noqa: A002 - keep test output quiet
        pass


@pytest.fixture(scope="module")
def server():
    handler = type("Handler", (_Handler,), {"stall": threading.Event()})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    handler.stall.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    # empty, not unset: no data folder, not even the one `make` recorded in the venv
    monkeypatch.setenv("LEARNLAB_DATA", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    for var in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")


def remote(*urls: str) -> RemoteFile:
    return RemoteFile(REL_PATH, urls, hashlib.sha256(PAYLOAD).hexdigest(), len(PAYLOAD))


def assert_nothing_left(file: RemoteFile) -> None:
    folder = cache_dir() / Path(file.path).parent
    assert not folder.exists() or list(folder.iterdir()) == []
    with pytest.raises(DataNotFound, match="was not found"):
        fetch_file(file, download=False)  # a later run does not take anything for the file


@pytest.mark.parametrize(
    ("route", "says"),
    [
        ("half", "interrupted download: the connection closed after 2,097,152 of 4,194,304"),
        ("half-no-length", "checksum mismatch"),
        ("wrong", "checksum mismatch"),
        ("missing", "404"),
    ],
    ids=["cut-off", "cut-off-no-length", "wrong-bytes", "not-found"],
)
def test_failed_download_leaves_nothing(server, route, says):
    file = remote(f"{server}/{route}")
    with pytest.raises(DataError) as err:
        fetch_file(file, download=True)
    msg = str(err.value)
    assert f"{server}/{route}" in msg and says in msg
    assert REL_PATH in msg
    assert_nothing_left(file)


def test_an_interrupted_mirror_falls_through_to_a_good_one(server):
    file = remote(f"{server}/half", f"{server}/wrong", f"{server}/full")
    got = fetch_file(file, download=True)
    assert got == cache_dir() / REL_PATH
    assert got.read_bytes() == PAYLOAD
    assert list(got.parent.iterdir()) == [got]  # no part files left
    assert fetch_file(file, download=False) == got


def test_a_download_killed_outright_is_never_mistaken_for_the_file(server, tmp_path):
    """SIGKILL mid-download: only a part file under another name remains, and the next
    download removes it once it is stale."""
    file = remote(f"{server}/stall")
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from learnlab.data.files import RemoteFile, download_file\n"
        f"download_file(RemoteFile({REL_PATH!r}, (sys.argv[1],), {file.sha256!r}, {file.size}),"
        " Path(sys.argv[2]))\n"
    )
    env = {**os.environ, "no_proxy": "127.0.0.1"}
    env.pop("http_proxy", None)
    folder = cache_dir() / "testset"
    proc = subprocess.Popen([sys.executable, "-c", code, file.urls[0], str(cache_dir())], env=env)
    try:
        deadline = time.monotonic() + 20
        parts: list[Path] = []
        while time.monotonic() < deadline:
            parts = list(folder.glob(".*.part")) if folder.is_dir() else []
            if parts and parts[0].stat().st_size >= 1 << 20:  # a first chunk written
                break
            assert proc.poll() is None, "the downloader ended before it was killed"
            time.sleep(0.05)
        else:
            pytest.fail("the download never started")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert not (cache_dir() / REL_PATH).exists()
    (part,) = parts
    assert part.name != Path(REL_PATH).name and part.exists()
    with pytest.raises(DataNotFound):
        fetch_file(file, download=False)
    # a part file that is still fresh may belong to a live download: kept; a stale one: removed
    got = download_file(remote(f"{server}/full"), cache_dir())
    assert part.exists() and got.read_bytes() == PAYLOAD
    old = time.time() - 3600
    os.utime(part, (old, old))
    got.unlink()
    assert download_file(remote(f"{server}/full"), cache_dir()) == got
    assert sorted(folder.iterdir()) == [got]
