"""Issue 12, item 6: nobody without the seal key can rewrite the statistics chain.

Each test is one reproduced attack on a store in a terminal's instance folder: the attacker has
the database (a copied SQLite file, or SQL on the shared server) but not the key, which is kept
0600 in the instance folder and never in the database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kiosk.statistics.seal import Seal
from kiosk.statistics.store import CHAIN_COLUMNS, COLUMNS, StatsStore, row_hash
from tests.support.legacy_stats import legacy_event


@pytest.fixture
def sealed(tmp_path) -> StatsStore:
    store = StatsStore(tmp_path / "stats.sqlite3", seal=Seal.in_folder(tmp_path))
    store.append([legacy_event(n) for n in range(6)])
    return store


def mark_assisted_and_rehash(store: StatsStore, seq: int) -> None:
    """The attacker with the database but no key: drop the guard, edit one row, recompute the
    plain SHA-256 chain so that it verifies again."""
    with store.engine.begin() as db:
        db.exec_driver_sql("DROP TRIGGER events_no_update" + ("" if store.is_sqlite else " ON events"))
        db.execute(sa.text("UPDATE events SET assisted = 1 WHERE seq = :s"), {"s": seq})
        rows = db.exec_driver_sql(f"SELECT seq, {', '.join(COLUMNS)} FROM events ORDER BY seq").fetchall()
        prev = "0" * 64
        for row in rows:
            link = row_hash(prev, row[0], tuple(row[1:]))
            db.execute(sa.text("UPDATE events SET prev_hash = :p, row_hash = :h WHERE seq = :s"),
                       {"p": prev, "h": link, "s": row[0]})  # fmt: skip
            prev = link


def test_rewriting_every_event_to_assisted_and_rehashing_is_caught(sealed):
    with sealed.engine.begin() as db:
        db.exec_driver_sql("DROP TRIGGER events_no_update")
        rows = db.exec_driver_sql(f"SELECT id, {', '.join(COLUMNS)} FROM events ORDER BY id").fetchall()
        prev = "0" * 64
        for seq, row in enumerate(rows, start=1):
            values = list(row[1:])
            values[COLUMNS.index("assisted")] = 1
            link = row_hash(prev, seq, values)
            db.execute(sa.text("UPDATE events SET assisted = 1, prev_hash = :p, row_hash = :h WHERE id = :id"),
                       {"p": prev, "h": link, "id": row[0]})  # fmt: skip
            prev = link

    report = sealed.verify()

    assert not report.ok
    assert "rows 1-6" in report.problem and "seal" in report.problem


def test_deleting_the_newest_rows_is_caught(sealed):
    with sealed.engine.begin() as db:
        db.exec_driver_sql("DROP TRIGGER IF EXISTS events_no_delete")
        db.exec_driver_sql("DELETE FROM events WHERE seq > 4")

    report = sealed.verify()

    assert not report.ok
    assert "row 6" in report.problem and "missing" in report.problem


def test_the_database_refuses_a_delete_outside_prune(sealed):
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), sealed.engine.begin() as db:
        db.exec_driver_sql("DELETE FROM events WHERE seq > 4")
    assert sealed.verify().ok and sealed.verify().rows == 6


def test_prune_still_deletes_and_the_rest_verifies(sealed):
    import datetime as dt

    assert sealed.prune(dt.date(2100, 1, 1)) == 6
    sealed.append([legacy_event(10)])
    assert sealed.verify().ok


def test_clearing_the_seals_is_caught(sealed):
    with sealed.engine.begin() as db:
        db.exec_driver_sql("DROP TRIGGER events_no_update")
        db.exec_driver_sql("UPDATE events SET row_mac = NULL WHERE seq >= 3")
    report = sealed.verify()
    assert not report.ok and "rows 3-6" in report.problem


def test_the_seal_key_is_private_and_outside_the_database(tmp_path, sealed):
    import stat

    key = tmp_path / "chain.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    blob = (tmp_path / "stats.sqlite3").read_bytes()
    assert key.read_bytes() not in blob
    assert CHAIN_COLUMNS[-1] == "row_hash"


def test_kiosk_stats_verify_names_the_rows_rewritten_in_a_kiosks_store(tmp_path, cli):
    """The whole attack against an installed kiosk's instance folder, judged by the command."""
    from kiosk import composition, settings

    config = tmp_path / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{tmp_path / "instance"}"\n')
    store = composition.stats_store(settings.load(str(config)))
    store.append([legacy_event(n) for n in range(4)])
    assert cli("stats", "verify", "--config", config).exit_code == 0

    plain = StatsStore(store.path)  # the attacker: the database, no key
    mark_assisted_and_rehash(plain, seq=3)
    assert plain.verify().ok  # the plain chain alone is fooled, as the review found

    done = cli("stats", "verify", "--config", config)
    assert done.exit_code == 1 and "rows 3-4 not proven by the seal" in done.stderr


def test_a_store_from_before_the_seal_upgrades_and_its_rows_are_pinned(tmp_path):
    from tests.support.legacy_stats import create_legacy_store, insert_chained

    path = str(tmp_path / "stats.sqlite3")
    create_legacy_store(path)
    insert_chained(path, [legacy_event(n) for n in range(5)], row_hash)

    store = StatsStore(path, seal=Seal.in_folder(tmp_path))
    report = store.verify()
    assert report.ok and report.rows == 5 and report.unproven == "rows 1-5"

    # Rows from before the seal carry no HMAC, but the sealed head pins their hashes.
    mark_assisted_and_rehash(store, seq=2)
    report = store.verify()
    assert not report.ok and "row 5 differs from the sealed head" in report.problem


def test_merge_refuses_an_export_with_its_first_row_removed(tmp_path, cli):
    import csv

    store = StatsStore(tmp_path / "a.sqlite3")
    store.append([legacy_event(n) for n in range(3)])
    path = tmp_path / "a.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        store.export_csv(fh)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows([rows[0], *rows[2:]])  # row 1 gone

    done = cli("stats", "merge", path, "--out", tmp_path / "merged.csv")

    assert done.exit_code == 1 and "row 1 is missing" in done.stdout
    assert not (tmp_path / "merged.csv").exists()


def test_kiosk_stats_head_prints_the_days_head_signed(tmp_path, cli):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from kiosk import composition, settings

    config = tmp_path / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{tmp_path / "instance"}"\n')
    store = composition.stats_store(settings.load(str(config)))
    store.append([legacy_event(n) for n in range(3)])  # 5 November, 10:00 in Japan

    done = cli("stats", "head", "--day", "2026-11-05", "--config", config)

    assert done.exit_code == 0
    statement, sig, key = done.stdout.strip().rsplit(" ", 2)
    assert statement == f"madoguchi-head 2026-11-05 3 {store.head()}"
    Ed25519PublicKey.from_public_bytes(bytes.fromhex(key.removeprefix("key="))).verify(
        bytes.fromhex(sig.removeprefix("sig=")), statement.encode()
    )  # raises if the line was not signed by this terminal's key
    before = cli("stats", "head", "--day", "2026-11-04", "--config", config).stdout
    assert before.startswith(f"madoguchi-head 2026-11-04 0 {'0' * 64} ")


def test_verify_against_a_printed_head_finds_the_rows_deleted_after_it(tmp_path, cli):
    """Even with the terminal's own files rolled back, the head on the manager's paper holds."""
    import stat

    from kiosk import composition, settings

    config = tmp_path / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{tmp_path / "instance"}"\n')
    store = composition.stats_store(settings.load(str(config)))
    store.append([legacy_event(n) for n in range(4)])
    printed = cli("stats", "head", "--day", "2026-11-05", "--config", config).stdout.strip()
    assert stat.S_IMODE((tmp_path / "instance" / "chain-signing.key").stat().st_mode) == 0o600
    assert cli("stats", "verify", "--head", printed, "--config", config).exit_code == 0

    with store.engine.begin() as db:
        db.exec_driver_sql("DROP TRIGGER events_no_delete")
        db.exec_driver_sql("DELETE FROM events WHERE seq > 2")
    store.seal.remember(1, 2, store.head())  # the attacker also rolled the local head back

    done = cli("stats", "verify", "--head", printed, "--config", config)
    assert done.exit_code == 1 and "row 4 of the signed head is missing" in done.stderr
    forged = printed.replace(" 4 ", " 2 ", 1)
    assert "not a head signed by this terminal" in cli("stats", "verify", "--head", forged, "--config", config).stderr


def test_editing_a_helpers_shift_hours_is_caught(tmp_path, cli):
    """The review stretched a 0.07 h shift to 12.41 h in accounts.sqlite3; verify passed."""
    import sqlite3

    from kiosk import composition, settings

    config = tmp_path / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{tmp_path / "instance"}"\n')
    accounts = composition.account_store(settings.load(str(config)))
    accounts.create_staff("helper1", "482913")
    accounts.start_shift("helper1", "本庁舎", "kiosk-1")
    accounts.end_shift("helper1")
    assert cli("stats", "verify", "--config", config).exit_code == 0

    with sqlite3.connect(accounts.path) as db:
        db.execute("UPDATE shifts SET started_at = '2026-11-05T00:00:00+00:00'")

    done = cli("stats", "verify", "--config", config)
    assert done.exit_code == 1 and "shift 1" in done.stderr


def test_deleting_a_helpers_shift_is_caught(tmp_path, cli):
    """The review deleted a shift row from accounts.sqlite3 (editing was caught); verify passed."""
    import sqlite3

    from kiosk import composition, settings

    config = tmp_path / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{tmp_path / "instance"}"\n')
    accounts = composition.account_store(settings.load(str(config)))
    accounts.create_staff("helper1", "482913")
    for _ in range(2):
        accounts.start_shift("helper1", "本庁舎", "kiosk-1")
        accounts.end_shift("helper1")
    assert cli("stats", "verify", "--config", config).exit_code == 0

    with sqlite3.connect(accounts.path) as db:
        db.execute("DELETE FROM shifts WHERE id = 2")

    done = cli("stats", "verify", "--config", config)
    assert done.exit_code == 1 and "1 shift deleted" in done.stderr
    (tmp_path / "instance" / "shifts.head").unlink()  # and the head that counted it
    done = cli("stats", "verify", "--config", config)
    assert done.exit_code == 1 and "the sealed head file shifts.head is missing" in done.stderr


def test_a_shift_edited_with_every_seal_cleared_is_not_resealed_as_found(tmp_path, cli):
    """Clearing every shift_mac made the next open adopt the file as one from before the seal."""
    import sqlite3

    from kiosk import composition, settings

    config = tmp_path / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{tmp_path / "instance"}"\n')
    accounts = composition.account_store(settings.load(str(config)))
    accounts.create_staff("helper1", "482913")
    accounts.start_shift("helper1", "本庁舎", "kiosk-1")
    accounts.end_shift("helper1")
    with sqlite3.connect(accounts.path) as db:
        db.execute("UPDATE shifts SET started_at = '2026-11-05T00:00:00+00:00', shift_mac = NULL")

    done = cli("stats", "verify", "--config", config)
    assert done.exit_code == 1 and "shift 1 not proven by the seal" in done.stderr
    (tmp_path / "instance" / "shifts.head").unlink()  # and the head that says sealed shifts exist
    done = cli("stats", "verify", "--config", config)
    assert done.exit_code == 1 and "the sealed head file shifts.head is missing" in done.stderr


def kiosk_with_actions(tmp_path):
    """An installed kiosk's config and accounts: one helper who marked three visits."""
    from kiosk import composition, settings

    config = tmp_path / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{tmp_path / "instance"}"\n')
    accounts = composition.account_store(settings.load(str(config)))
    accounts.create_staff("helper1", "246813")
    for n, kind in enumerate(("self_service", "assisted", "cancel")):
        accounts.actions.record("helper1", "kiosk-1", kind, f"visit-{n}")
    return config, accounts


def test_a_staff_action_rewritten_and_rehashed_is_caught_by_verify(tmp_path, cli):
    from kiosk.staff.actions import ACTION_COLUMNS

    config, accounts = kiosk_with_actions(tmp_path)
    assert cli("stats", "verify", "--config", config).exit_code == 0
    db = sa.create_engine(f"sqlite:///{accounts.path}")
    with db.begin() as conn:  # the attacker: 'self_service' becomes 'assisted', the plain chain rehashed
        conn.exec_driver_sql("DROP TRIGGER staff_actions_no_update")
        conn.exec_driver_sql("UPDATE staff_actions SET kind = 'assisted' WHERE seq = 1")
        prev = "0" * 64
        for row in conn.exec_driver_sql(f"SELECT seq, {', '.join(ACTION_COLUMNS)} FROM staff_actions ORDER BY seq"):
            link = row_hash(prev, row[0], tuple(row[1:]))
            conn.execute(sa.text("UPDATE staff_actions SET prev_hash = :p, row_hash = :h WHERE seq = :s"),
                         {"p": prev, "h": link, "s": row[0]})  # fmt: skip
            prev = link
    db.dispose()

    done = cli("stats", "verify", "--config", config)
    assert done.exit_code == 1 and "staff actions 1, 2, 3 not proven by the seal" in done.stderr


def test_the_newest_staff_action_deleted_is_caught_by_verify(tmp_path, cli):
    config, accounts = kiosk_with_actions(tmp_path)
    db = sa.create_engine(f"sqlite:///{accounts.path}")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.begin() as conn:
        conn.exec_driver_sql("DELETE FROM staff_actions WHERE seq = 3")
    with db.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER staff_actions_no_delete")
        conn.exec_driver_sql("DELETE FROM staff_actions WHERE seq = 3")
    db.dispose()

    done = cli("stats", "verify", "--config", config)
    assert done.exit_code == 1 and "staff action 3 (the sealed head) is missing" in done.stderr


@pytest.mark.parametrize("head", ["chain.head", "actions.head"])
def test_a_deleted_head_file_is_reported_by_verify_and_only_the_kiosks_start_rewrites_it(tmp_path, cli, head,
                                                                                          caplog):  # fmt: skip
    from kiosk import composition, settings

    config, accounts = kiosk_with_actions(tmp_path)
    loaded = settings.load(str(config))
    composition.stats_store(loaded).append([legacy_event(n) for n in range(3)])
    assert cli("stats", "verify", "--config", config).exit_code == 0
    (tmp_path / "instance" / head).unlink()  # the attacker, after deleting the newest rows

    done = cli("stats", "verify", "--config", config)
    assert done.exit_code == 1 and f"the sealed head file {head} is missing" in done.stderr
    assert "restore" in done.stderr
    assert cli("stats", "verify", "--config", config).exit_code == 1  # still missing: never quietly recreated
    assert not (tmp_path / "instance" / head).exists()

    with caplog.at_level("WARNING"):  # the kiosk's own start writes a new head, and says so
        composition.stats_store(loaded, repair_head=True)
        composition.account_store(loaded, repair_head=True)
    assert (tmp_path / "instance" / head).exists()
    assert any(r.levelname == "WARNING" and head in r.getMessage() for r in caplog.records)
    assert cli("stats", "verify", "--config", config).exit_code == 0


def test_two_kiosks_sharing_postgresql_each_seal_their_rows_and_a_rewrite_is_caught(tmp_path, cli, postgres):
    """Issue 12.6 on a shared server: each kiosk seals its own rows with its own key; an attacker
    with SQL on the server (no key) who rewrites and rehashes is named by both kiosks' verify."""
    from kiosk import composition, settings

    url = postgres.new_database()
    kiosks = []
    for n in (1, 2):
        config = tmp_path / f"k{n}.toml"
        config.write_text(f'demo = true\ninstance_path = "{tmp_path / f"k{n}"}"\nterminal_id = "kiosk-0{n}"\n'
                          f'stats_database_url = "{url}"\n')  # fmt: skip
        kiosks.append((config, composition.stats_store(settings.load(str(config)))))
    for n in range(4):  # the two kiosks take turns in one chain
        config, store = kiosks[n % 2]
        store.append([(*legacy_event(n)[:1], f"kiosk-0{n % 2 + 1}", *legacy_event(n)[2:])])
    for config, _ in kiosks:
        assert cli("stats", "verify", "--config", config).exit_code == 0

    mark_assisted_and_rehash(StatsStore(url), seq=3)  # kiosk-01's second visit

    first, second = (cli("stats", "verify", "--config", config) for config, _ in kiosks)
    assert first.exit_code == 1 and "row 3 not proven by the seal" in first.stderr
    assert second.exit_code == 1 and "row 4 not proven by the seal" in second.stderr
