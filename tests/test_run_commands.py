"""The README's commands as a user runs them: `./run` in a subprocess, each exiting 0 when it
did its work, and the demo stopping everything it started — also after it was killed outright.

Each demo here runs on a data directory of its own (APP_DATA_DIR) and a free port, with no
DATABASE_URL or REDIS_URL: its own embedded PostgreSQL and its own Redis, as on a clone."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
# How long a command may take before the test gives up: a guard against hanging, never a
# measure of speed. A first demo start creates its database and imports a year of attendance.
PATIENCE_S = 900


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    # Not this test process's own settings, nor its xdist worker's name.
    env = {k: v for k, v in env.items() if not k.startswith(("PYTEST_", "DJANGO_SETTINGS"))}
    return {**env, "APP_DATA_DIR": str(data_dir), **extra}


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 — this checkout's own ./run
        ["./run", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=PATIENCE_S,
        check=False,
    )


def test_setup_exits_zero_when_it_succeeded(tmp_path):
    for args in (("setup",), ("setup", "test")):
        finished = _run(*args, env=_env(tmp_path))
        assert finished.returncode == 0, finished.stderr


def test_a_bench_exits_zero_and_ends_with_its_json_line(tmp_path):
    finished = _run(
        "bench", "generator", "--students", "60", "--summary-students", "200", env=_env(tmp_path)
    )
    assert finished.returncode == 0, finished.stderr
    figures = json.loads(finished.stdout.strip().splitlines()[-1])
    assert figures["bench"] == "generator"


def test_the_test_command_exits_zero_and_stops_the_redis_it_started(tmp_path):
    finished = _run_tests("tests/test_beat_schedule.py", data_dir=tmp_path)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert "2 passed" in finished.stdout
    started = _private_redis_pids(tmp_path, "test")
    assert started, "./run test started no Redis of its own"
    assert not [pid for pid in started if _alive(pid)], "./run test left its private Redis running"


def test_the_test_command_exits_non_zero_when_a_test_fails(tmp_path):
    failing = tmp_path / "test_failing.py"
    failing.write_text("def test_it_fails():\n    assert False\n")
    finished = _run_tests("-c", "pyproject.toml", str(failing), data_dir=tmp_path)
    assert finished.returncode == 1
    assert "1 failed" in finished.stdout


def _run_tests(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    """`./run test ARGS` in one process, with no REDIS_URL (it starts its own Redis) and the
    database server this run uses: DATABASE_URL's, or the embedded PostgreSQL of its own data
    directory."""
    server = {"DATABASE_URL": os.environ["DATABASE_URL"]} if "DATABASE_URL" in os.environ else {}
    return _run("test", "-n", "0", "-p", "no:cacheprovider", *args, env=_env(data_dir, **server))


class Demo:
    """`./run demo` in a process group of its own, as a terminal runs it."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = _free_port()
        self.log = (data_dir / "demo-output.log").open("a")
        self.process = subprocess.Popen(
            ["./run", "demo"],
            cwd=ROOT,
            env=_env(data_dir, DEMO_PORT=str(self.port)),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + PATIENCE_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/accounts/login/", timeout=5
                ) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(1)
        pytest.fail(f"The demo did not answer within {PATIENCE_S} s:\n{self.output()}")

    def signal_group(self, signum: int) -> int:
        os.killpg(self.process.pid, signum)
        return self.process.wait(timeout=PATIENCE_S)

    def output(self) -> str:
        return (self.data_dir / "demo-output.log").read_text()[-5000:]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _left_running(data_dir: Path) -> list[str]:
    """Every process the demo of `data_dir` started that still runs: the server, the worker,
    the embedded PostgreSQL (named by its data directory) and the private Redis."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline", "environ"]):
        try:
            cmdline = " ".join(process.info["cmdline"] or [])
            environ = process.info["environ"] or {}
        except psutil.Error:
            continue
        started_by_demo = str(data_dir) in cmdline or environ.get("APP_DATA_DIR") == str(data_dir)
        if started_by_demo and process.pid != os.getpid() and _alive(process.pid):
            found.append(f"{process.pid} {cmdline}")
    found += [f"{pid} redis-server (private)" for pid in _private_redis_pids(data_dir, "demo")]
    return [process for process in found if _alive(int(process.split()[0]))]


def _private_redis_pids(data_dir: Path, name: str) -> set[int]:
    """The processes of every private Redis `./run NAME` started on `data_dir`, from its log
    (its lines begin `<pid>:M`), which outlives the pid file Redis removes as it stops."""
    log = data_dir / f"redis-{name}.log"
    if not log.exists():
        return set()
    return {int(m[1]) for m in re.finditer(r"^(\d+):M ", log.read_text(), flags=re.MULTILINE)}


def _eventually_none_left(data_dir: Path) -> list[str]:
    # Processes of the group are reaped a moment after their parent has been waited for.
    deadline = time.monotonic() + 60
    while (left := _left_running(data_dir)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


def test_the_demo_killed_outright_starts_again_and_a_signal_to_its_group_stops_everything(
    tmp_path,
):
    first = Demo(tmp_path)
    try:
        first.wait_until_serving()
        # SIGKILL to the whole group, as a closed terminal or a power cut ends it: nothing
        # runs its clean-up. The embedded PostgreSQL and Redis run in sessions of their own
        # and outlive it; the handle file keeps the dead processes' ids, and a kill during a
        # write leaves it empty, which every later command once died on.
        assert first.signal_group(signal.SIGKILL) == -signal.SIGKILL
    finally:
        if first.process.poll() is None:
            first.signal_group(signal.SIGKILL)
    handles = tmp_path / "postgres" / ".handle_pids.json"
    assert handles.exists()
    handles.write_text("")

    second = Demo(tmp_path)
    try:
        second.wait_until_serving()
        # Ctrl-C in a terminal, or `kill` of the process group: every process hears the
        # signal at once, then the demo's own trap signals the server and worker again.
        assert second.signal_group(signal.SIGTERM) == 0, second.output()
    finally:
        if second.process.poll() is None:
            second.signal_group(signal.SIGKILL)
    assert _eventually_none_left(tmp_path) == [], second.output()
    assert "SystemExit" not in second.output()
    assert "eagerly" not in second.output()
