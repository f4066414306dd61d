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
