"""The cluster's configuration and commands without starting it: HAProxy's rendered configuration, pid files."""

import subprocess
import sys

from mnist_cnn.cluster.haproxy import find_haproxy, render_config
from mnist_cnn.cluster.processes import read_pid, read_start_time, start_logged, stop_pid_file, write_pid_file
from tests.support.server import PROJECT_ROOT


def test_the_haproxy_configuration_is_sticky_checked_and_valid(tmp_path):
    text = render_config("127.0.0.1:8500", [("127.0.0.1", 8601), ("127.0.0.1", 8602)], tmp_path / "haproxy.pid")
    assert "server r1 127.0.0.1:8601 check cookie r1" in text and "server r2 127.0.0.1:8602 check cookie r2" in text
    for setting in ("balance leastconn", "cookie SERVERID insert indirect nocache httponly",
                    "option httpchk GET /_stcore/health", "timeout tunnel 1h", "bind 127.0.0.1:8500"):
        assert setting in text
    path = tmp_path / "haproxy.cfg"
    path.write_text(text)
    checked = subprocess.run([find_haproxy(), "-c", "-f", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_down_stops_exactly_the_processes_its_pid_files_name(tmp_path):
    pid_file = tmp_path / "pids" / "sleeper.pid"
    process = start_logged([sys.executable, "-c", "import time; time.sleep(60)"], pid_file, tmp_path / "log",
                           {}, tmp_path)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert read_pid(pid_file) == process.pid
        assert stop_pid_file(pid_file) and process.wait(timeout=20) is not None
        assert not pid_file.exists() and bystander.poll() is None, "a process it did not start keeps running"
        assert not stop_pid_file(pid_file), "nothing left to stop"
    finally:
        bystander.kill()
        bystander.wait()


def test_a_stale_pid_file_whose_pid_was_reused_stops_nothing(tmp_path):
    """A pid file records the process's start time too: the same pid with another start time (the pid reused by a
    process the cluster did not start) names nothing, so `down` signals nobody."""
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    pid_file = tmp_path / "pids" / "replica-1.pid"
    try:
        write_pid_file(pid_file, bystander.pid)
        assert pid_file.read_text().split() == [str(bystander.pid), read_start_time(bystander.pid)]
        assert read_pid(pid_file) == bystander.pid
        pid_file.write_text(f"{bystander.pid} {int(read_start_time(bystander.pid)) - 1}\n")  # one tick earlier
        assert read_pid(pid_file) is None
        assert not stop_pid_file(pid_file) and not pid_file.exists() and bystander.poll() is None
        pid_file.write_text(f"{bystander.pid}\n")  # a file of the old form, the pid alone, is still read
        assert read_pid(pid_file) == bystander.pid
    finally:
        bystander.kill()
        bystander.wait()


def test_down_with_nothing_running_says_so(tmp_path):
    result = subprocess.run([sys.executable, "-m", "mnist_cnn.cluster", "down", "--folder", str(tmp_path)],
                            capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert result.returncode == 0 and "Nothing was running." in result.stdout
