"""`kiosk init-db` and `flask --app kiosk init-db`: create or upgrade the stores, one line each."""

from __future__ import annotations

import sqlite3

from click.testing import CliRunner

from kiosk.cli import main
from kiosk.schema_upgrade import head_revision as migrations_head
from kiosk.staff.accounts import MIGRATIONS as ACCOUNTS_MIGRATIONS
from kiosk.statistics.migrate import head_revision
from kiosk.statistics.store import row_hash
from tests.support.legacy_stats import create_legacy_store, insert_chained, legacy_event

ACCOUNTS_HEAD = migrations_head(ACCOUNTS_MIGRATIONS)


def write_config(tmp_path, instance, **extra) -> str:
    config = tmp_path / "kiosk.toml"
    lines = ["demo = true", f'instance_path = "{instance}"'] + [f'{k} = "{v}"' for k, v in extra.items()]
    config.write_text("\n".join(lines) + "\n")
    return str(config)


def tables(path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_init_db_creates_both_stores_and_says_so(tmp_path):
    instance = tmp_path / "new-instance"  # not made yet: init-db makes it
    config = write_config(tmp_path, instance)

    result = CliRunner().invoke(main, ["init-db", "--config", config])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"statistics store: created at revision {head_revision()} ({instance / 'stats.sqlite3'})",
        f"staff accounts: created at revision {ACCOUNTS_HEAD} ({instance / 'accounts.sqlite3'})",
    ]
    assert {"events", "chain_anchor", "monthly_summary", "alembic_version"} <= tables(instance / "stats.sqlite3")
    assert {"staff", "shifts", "managers", "notes"} <= tables(instance / "accounts.sqlite3")


def test_init_db_twice_leaves_the_store_alone(tmp_path):
    config = write_config(tmp_path, tmp_path / "instance")
    CliRunner().invoke(main, ["init-db", "--config", config])

    result = CliRunner().invoke(main, ["init-db", "--config", config])

    assert result.exit_code == 0, result.output
    stats_line, accounts_line = result.output.splitlines()
    assert stats_line.startswith(f"statistics store: already at revision {head_revision()} (")
    assert accounts_line.startswith(f"staff accounts: already at revision {ACCOUNTS_HEAD} (")


def test_init_db_upgrades_a_store_made_before_migrations_keeping_its_rows(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    create_legacy_store(instance / "stats.sqlite3")
    insert_chained(instance / "stats.sqlite3", [legacy_event(n) for n in range(3)], row_hash)

    result = CliRunner().invoke(main, ["init-db", "--config", write_config(tmp_path, instance)])

    assert result.exit_code == 0, result.output
    assert "statistics store: adopted the existing store as revision 0001" in result.output
    verified = CliRunner().invoke(main, ["stats", "verify", "--config", write_config(tmp_path, instance)])
    assert verified.exit_code == 0 and verified.output.startswith("ok: 3 events"), verified.output


def test_init_db_on_postgresql_names_the_server_without_a_password(tmp_path, postgres):
    url = postgres.new_database().replace("postgres@", "postgres:not-needed@")  # trust auth ignores it
    config = write_config(tmp_path, tmp_path / "instance", stats_database_url=url)

    result = CliRunner().invoke(main, ["init-db", "--config", config])

    assert result.exit_code == 0, result.output
    assert f"statistics store: created at revision {head_revision()}" in result.output
    assert "not-needed" not in result.output and "***" in result.output


def test_flask_init_db_reports_the_store_the_app_opened(make_app):
    app = make_app()

    result = app.test_cli_runner().invoke(args=["init-db"])

    assert result.exit_code == 0, result.output
    stats_line, accounts_line = result.output.splitlines()
    assert stats_line.startswith(f"statistics store: created at revision {head_revision()} (")
    assert accounts_line.startswith(f"staff accounts: created at revision {ACCOUNTS_HEAD} (")


def test_init_db_names_an_unreachable_statistics_server_and_fails(tmp_path):
    url = "postgresql+psycopg://kiosk:secret@127.0.0.1:1/stats"  # nothing listens on port 1
    config = write_config(tmp_path, tmp_path / "instance", stats_database_url=url)

    result = CliRunner().invoke(main, ["init-db", "--config", config])

    assert result.exit_code == 2
    assert result.output.startswith("kiosk: statistics store: OperationalError")
    assert "secret" not in result.output
