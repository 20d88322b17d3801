"""nginx in front of `onestop run` processes, as deploy/nginx/onestop.conf sets it up.

The sample config itself is used: its `listen` becomes a free port on 127.0.0.1 and its
upstreams list the given processes. nginx runs in the foreground as a child of the test (or
benchmark), with its pid, logs and temporary files in a folder of its own.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import requests

from tests.factories.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "deploy" / "nginx" / "onestop.conf"
NGINX = shutil.which("nginx") or next(
    (path for path in ("/usr/sbin/nginx", "/sbin/nginx") if Path(path).exists()), None
)
READY_TIMEOUT_S = 30
_UPSTREAM = re.compile(r"(upstream \w+ \{[^}]*?)((?:\s*server [^;]+;)+)", re.S)

MAIN = """\
worker_processes {workers};
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
{user}
events {{ worker_connections 4096; }}
http {{
    access_log {access_log};
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/onestop.conf;
}}
"""


def site_config(upstreams: list[int], port: int) -> str:
    """The sample site config, listening on 127.0.0.1:`port`, with `upstreams` behind it."""
    text = SAMPLE.read_text(encoding="utf-8")
    servers = "".join(f"\n    server 127.0.0.1:{upstream};" for upstream in upstreams)
    text, count = _UPSTREAM.subn(lambda m: m.group(1).rstrip() + servers, text)
    assert count == 2, "the sample should have two upstream blocks"
    text, count = re.subn(r"listen 80;", f"listen 127.0.0.1:{port};", text)
    assert count == 1, "the sample should listen on port 80"
    return text


@dataclass
class Nginx:
    """nginx on a free port of 127.0.0.1, proxying to processes on `upstreams` (ports)."""

    upstreams: list[int]
    folder: Path
    workers: int = 1
    access_log: bool = True
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Nginx:
        assert NGINX is not None, "nginx is not installed"
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "onestop.conf").write_text(site_config(self.upstreams, self.port))
        main = self.folder / "nginx.conf"
        main.write_text(
            MAIN.format(
                workers=self.workers,
                folder=self.folder,
                # As root, workers would drop to `nobody`, who cannot enter a private folder.
                user="user root;" if os.geteuid() == 0 else "",
                access_log=f"{self.folder}/access.log" if self.access_log else "off",
            )
        )
        command = [NGINX, "-p", str(self.folder), "-e", str(self.folder / "error.log")]
        command += ["-c", str(main), "-g", "daemon off;"]
        with (self.folder / "nginx.out").open("ab") as output:
            self.process = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with suppress(requests.ConnectionError):
                requests.get(f"{self.url}/healthz", timeout=2)
                return self
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"nginx did not come up:\n{self.log()}")

    def log(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")
            for path in (self.folder / "nginx.out", self.folder / "error.log")
            if path.exists()
        )

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            # SIGQUIT: finish the requests in flight, then exit.
            os.killpg(self.process.pid, signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
