"""A damaged statistics file or residents file stops the kiosk and its commands with one line
that names the file and says what to do: never a traceback, never a new empty chain in its place."""

from __future__ import annotations

import pytest


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text(f'demo = true\ninstance_path = "{tmp_path}"\nsecret_key = "test"\n')
    return path


@pytest.mark.parametrize(
    "damage", [b"not a database" * 200, b"SQLite format 3\x00" + b"\x01" * 50], ids=["garbage", "truncated"]
)
@pytest.mark.parametrize("command", [("stats", "verify"), ("demo", "--port", "0")])
def test_a_damaged_statistics_file_stops_with_one_line(tmp_path, config, cli, damage, command):
    store_file = tmp_path / "stats.sqlite3"
    store_file.write_bytes(damage)
    done = cli(*command, "--config", config)
    assert done.exit_code != 0
    (line,) = done.stderr.strip().splitlines()
    assert str(store_file) in line and "damaged" in line and "backup" in line
    assert store_file.read_bytes() == damage  # left as found, for the backup and the inquiry


@pytest.mark.parametrize("content", [b"[resident.x\nbirth_date = ", None], ids=["garbage", "missing"])
def test_a_broken_residents_file_stops_the_demo_with_one_line(tmp_path, cli, content):
    residents = tmp_path / "residents.toml"
    if content is not None:
        residents.write_bytes(content)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'demo = true\ninstance_path = "{tmp_path}"\nsecret_key = "test"\nresidents_file = "{residents}"\n'
    )
    done = cli("demo", "--port", "0", "--config", config)
    assert done.exit_code != 0
    (line,) = done.stderr.strip().splitlines()
    assert str(residents) in line and "residents file" in line
