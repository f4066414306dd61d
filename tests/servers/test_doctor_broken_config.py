"""`kiosk doctor` with a broken config or an unreachable service: each fault one FAIL line
with its fix, exit code 1, never a traceback."""

from __future__ import annotations


def test_a_broken_config_is_one_fail_line_naming_the_key(tmp_path, cli):
    config = tmp_path / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{tmp_path}"\nidle_timeout_seconds = "soon"\n')
    done = cli("doctor", "--config", config)
    assert done.exit_code == 1
    (line,) = done.stdout.splitlines()
    assert line.startswith("FAIL config:") and "idle_timeout_seconds" in line and "fix:" in line


def test_a_service_nobody_answers_fails_and_the_rest_is_still_checked(tmp_path, cli):
    import socket

    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{tmp_path}"\ngateway_url = "http://127.0.0.1:{port}/"\n')
    done = cli("doctor", "--config", config)
    assert done.exit_code == 1
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and f"127.0.0.1:{port} not reachable" in failed[0] and "gateway_url" in failed[0]
    assert "OK   statistics store: writable" in done.stdout and done.stdout.rstrip().endswith("1 FAIL")


def test_a_production_config_without_the_service_fails_and_a_dead_pcscd_says_what_was_not_checked(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    config = tmp_path / "kiosk.toml"
    config.write_text(f'demo = false\nreader = "SONY FeliCa Port/PaSoRi 4.0"\ninstance_path = "{tmp_path}"\n')
    env = {**os.environ, "PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.comm")}  # pcscd is down
    command = [sys.executable, "-c", "from kiosk.cli import main; main()", "doctor", "--config", config]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, cwd=Path(__file__).parents[2])
    lines = done.stdout.splitlines()
    assert done.returncode == 1, done.stdout + done.stderr
    service = next(line for line in lines if "registration service" in line)
    assert service.startswith("FAIL") and "gateway_url" in service and "kiosk serve" in service, service
    assert "fix: set key 'gateway_url' to the https:// URL" in service
    assert next(line for line in lines if line.startswith("FAIL pcscd:"))
    assert "--   reader: not checked (pcscd not reachable)" in lines
    assert "--   card: not checked (pcscd not reachable)" in lines
