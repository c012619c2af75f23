"""nginx in front of a portal server, configured as docker compose configures it.

The template docker/nginx/portal.conf.template is filled in as the nginx image does
(environment variables only) and served by the machine's nginx (Debian's package)
from a working folder of its own. `make bench` measures the proxy shape with it, and
tests/faults/test_proxy.py checks the configuration's behaviour.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "docker" / "nginx" / "portal.conf.template"
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None
)
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def nginx_in_front(workdir: Path, *, upstream: str, static_root: Path) -> Iterator[str]:
    """Serve `upstream` (host:port) through nginx; yields the proxy's base URL."""
    if NGINX is None:
        raise RuntimeError("nginx is not installed")
    port = _free_port()
    (workdir / "cache").mkdir(parents=True, exist_ok=True)
    (workdir / "portal.conf").write_text(Template(TEMPLATE.read_text()).safe_substitute(
        PORTAL_UPSTREAM=upstream, PORTAL_LISTEN=f"127.0.0.1:{port}",
        PORTAL_CACHE_DIR=str(workdir / "cache"), PORTAL_STATIC_ROOT=str(static_root),
    ))
    temp = " ".join(f"{kind}_temp_path {workdir / kind};" for kind in TEMP_PATHS)
    (workdir / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off; worker_processes 1; pid {workdir / 'nginx.pid'};\n"
        f"error_log {workdir / 'error.log'} warn;\n"
        "events { worker_connections 256; }\n"
        f"http {{ include /etc/nginx/mime.types; access_log off; {temp}\n"
        f"include {workdir / 'portal.conf'}; }}\n"
    )
    server = subprocess.Popen(
        [NGINX, "-p", str(workdir), "-c", str(workdir / "nginx.conf")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not _listening(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start: {server.communicate()[0]}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)
