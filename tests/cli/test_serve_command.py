"""`frontdesk serve` runs the web server and both workers under one process, answers on the bound
address, and stops all of them cleanly on SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .support import clean_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthz(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return int(response.status)
    except OSError:
        return None


def test_it_serves_and_stops_cleanly_on_sigterm(fresh_var_dir: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "frontdesk", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=clean_env(fresh_var_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 15
        while healthz(port) != 200 and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.2)
        assert healthz(port) == 200
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=20)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

    assert server.returncode == 0, err
    assert f"frontdesk is running on http://127.0.0.1:{port}/" in out
    assert "Stopped." in out
    assert healthz(port) is None


def _runner_pids(parent: int) -> set[int]:
    listing = subprocess.run(
        ["ps", "-o", "pid=,args=", "--ppid", str(parent)], capture_output=True, text=True, check=False
    )
    return {int(line.split()[0]) for line in listing.stdout.splitlines() if "frontdesk.plugins.runner" in line}


def test_it_restarts_a_crashed_plugin_runner(fresh_var_dir: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "frontdesk", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=clean_env(fresh_var_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 15
        while not (_runner_pids(server.pid) and healthz(port) == 200) and time.monotonic() < deadline:
            time.sleep(0.2)
        [first] = _runner_pids(server.pid)
        subprocess.run(["kill", "-KILL", str(first)], check=True)

        deadline = time.monotonic() + 10
        while not (_runner_pids(server.pid) - {first}) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _runner_pids(server.pid) - {first}, "the plugin runner was not restarted"
        assert healthz(port) == 200
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=20)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

    assert "plugins exited with status -9; restarting it" in err
    assert server.returncode == 0
