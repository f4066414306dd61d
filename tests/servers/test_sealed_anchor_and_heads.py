"""Issue 12.6 (the rest) and 14.8 on a shared server: the prune anchor sealed, exports carrying
their signed head for `merge`, and each kiosk's dashboard checkpoint over a shared chain.

The attacker has the database (the SQLite file, or SQL on the shared server) but no key."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kiosk.statistics.checkpoint import verify_recent
from kiosk.statistics.seal import Seal
from kiosk.statistics.store import StatsStore
from tests.support.events import event


def forge_anchor_and_drop(store: StatsStore, through: int) -> None:
    """What prune does, by hand: the permit, the rows gone, a new anchor at the last dropped row."""
    with store.engine.begin() as db:
        last = db.execute(sa.text("SELECT row_hash FROM events WHERE seq = :s"), {"s": through}).scalar()
        db.exec_driver_sql("INSERT INTO chain_prune (id) VALUES (1)")
        db.execute(sa.text("DELETE FROM events WHERE seq <= :s"), {"s": through})
        db.exec_driver_sql("DELETE FROM chain_prune")
        db.execute(
            sa.text("INSERT INTO chain_anchor (id, seq, row_hash) VALUES (1, :s, :h)"
                    " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, row_hash = excluded.row_hash"),
            {"s": through, "h": last},
        )  # fmt: skip


def test_a_prune_anchor_written_without_the_key_is_refused(tmp_path):
    store = StatsStore(tmp_path / "stats.sqlite3", seal=Seal.in_folder(tmp_path))
    store.append([event(f"2026-11-05 10:{i:02d}") for i in range(6)])
    assert verify_recent(store).ok  # the dashboard's checkpoint at row 6

    forge_anchor_and_drop(store, through=3)

    for report in (store.verify(), verify_recent(store)):
        assert not report.ok
        assert "prune anchor (row 3) is not proven by the seal" in report.problem


def test_a_real_prune_seals_its_anchor_and_an_older_unsealed_anchor_is_sealed_once(tmp_path):
    plain = StatsStore(tmp_path / "stats.sqlite3")  # a kiosk from before the seal pruned once
    plain.append([event("2026-10-05 10:00"), event("2026-11-05 10:00")])
    assert plain.prune(dt.date(2026, 11, 1)) == 1

    store = StatsStore(tmp_path / "stats.sqlite3", seal=Seal.in_folder(tmp_path))
    assert store.verify().ok
    store.append([event("2026-12-05 10:00")])
    assert store.prune(dt.date(2026, 12, 1)) == 1
    assert store.verify().ok and verify_recent(store).ok
    with store.engine.begin() as db:  # clearing the seal is no way round it
        db.exec_driver_sql("UPDATE chain_anchor SET anchor_mac = NULL")
    assert "prune anchor (row 2) is not proven" in store.verify().problem


def _shared_kiosks(tmp_path, url: str) -> list[StatsStore]:
    return [StatsStore(url, seal=Seal.in_folder(_folder(tmp_path, n)), sealed_terminal=f"kiosk-0{n}") for n in (1, 2)]


def _folder(tmp_path, n: int):
    folder = tmp_path / f"k{n}"
    folder.mkdir(exist_ok=True)
    return folder


def _take_turns(kiosks: list[StatsStore], count: int, day: str) -> None:
    for i in range(count):
        kiosks[i % 2].append([event(f"{day} 10:{i:02d}", terminal=f"kiosk-0{i % 2 + 1}")])


def test_each_kiosk_checks_only_the_rows_after_its_checkpoint_on_a_shared_server(tmp_path, postgres):
    url = postgres.new_database()
    kiosks = _shared_kiosks(tmp_path, url)
    _take_turns(kiosks, 10, "2026-11-05")
    for store in kiosks:
        first = verify_recent(store)  # the first load walks the whole shared chain
        assert first.ok and first.rows == 10
    _take_turns(kiosks, 3, "2026-11-06")  # rows of both kiosks after the checkpoints

    read = []
    listen = sa.event.listens_for(kiosks[0].engine, "after_cursor_execute")
    listen(lambda _c, cursor, statement, *_: read.append((statement, cursor.rowcount)))
    check = verify_recent(kiosks[0])
    event_rows = sum(n for statement, n in read if "FROM events" in statement and "count(*)" not in statement)

    assert check.ok and check.rows == 13 and check.head == kiosks[0].head()
    assert event_rows == 1 + 3 + 1  # the checkpoint row, the three new rows, the newest row's id (of 13)

    _take_turns(kiosks, 2, "2026-11-07")
    with kiosks[0].engine.begin() as db:  # SQL on the server: kiosk-01's new row's seal cleared
        db.exec_driver_sql("DROP TRIGGER events_no_update ON events")
        db.exec_driver_sql("UPDATE events SET row_mac = NULL WHERE seq = 14")
    mine, theirs = (verify_recent(store) for store in kiosks)
    assert not mine.ok and "row 14 not proven by the seal" in mine.problem
    assert theirs.ok  # kiosk-02's key never proved kiosk-01's rows; kiosk-01's dashboard names it

    assert kiosks[0].prune(dt.date(2026, 11, 6)) == 10  # kiosk-01 prunes the first day and seals the anchor
    after = kiosks[1].verify()
    assert after.ok and after.note == "the prune anchor (row 10) was sealed by kiosk-01"


def _kiosk_export(tmp_path, cli, name: str, rows: int):
    """An installed kiosk that served ``rows`` visits, and its `kiosk stats export` (with F.csv.head)."""
    from kiosk import composition, settings

    config = tmp_path / f"{name}.toml"
    config.write_text(f'demo = true\ninstance_path = "{tmp_path / name}"\nterminal_id = "{name}"\n')
    store = composition.stats_store(settings.load(str(config)))
    store.append([event(f"2026-11-05 10:{i:02d}", terminal=name) for i in range(rows)])
    out = tmp_path / f"{name}.csv"
    done = cli("stats", "export", "--out", out, "--config", config)
    assert done.exit_code == 0 and (tmp_path / f"{name}.csv.head").exists()
    return config, out


def rewrite_export(path, change) -> None:
    """The attacker with the export file (no key): edit rows, recompute the plain chain."""
    from kiosk.statistics import store

    rows = change(store.read_csv_export(path))
    prev = store.GENESIS
    for seq, row in enumerate(rows, start=1):
        values = store.typed_row(row)
        n = len(store.COLUMNS)
        covered, _ = store.hashed_values(values[:n] + values[n + 3 :])
        row.update(seq=seq, prev_hash=prev, row_hash=store.row_hash(prev, seq, covered))
        prev = row["row_hash"]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        store.write_csv(rows, fh, store.EXPORT_COLUMNS)


def test_merge_proves_each_export_against_its_signed_head_and_names_what_it_cannot(tmp_path, cli):
    config1, first = _kiosk_export(tmp_path, cli, "kiosk-01", 3)
    config, second = _kiosk_export(tmp_path, cli, "kiosk-02", 2)
    paper1, paper = (cli("stats", "head", "--day", "2026-11-05", "--config", c).stdout.strip()
                     for c in (config1, config))  # fmt: skip

    merged = tmp_path / "merged.csv"
    done = cli("stats", "merge", first, second, "--head", paper1, "--head", paper, "--out", merged)
    assert done.exit_code == 0, done.stderr
    assert "kiosk-01.csv: 3 events, chain ok" in done.stdout and "5 distinct events" in done.stdout
    assert "head signed by key" not in done.stdout  # the paper's keys vouch for the sidecars
    done = cli("stats", "merge", first, second, "--head", paper, "--out", merged)
    assert done.exit_code == 1 and "kiosk-01.csv: 3 events, SIGNED HEAD REFUSED" in done.stdout  # a key not given

    def declined(rows):  # a registration turned into a refusal, and the plain chain rehashed
        rows[1]["outcome"] = "declined"
        return rows

    rewrite_export(second, declined)
    done = cli("stats", "merge", first, second, "--out", merged)
    assert done.exit_code == 1 and "row 2 differs from the signed head" in done.stdout

    assert cli("stats", "export", "--out", second, "--config", config).exit_code == 0  # exported again
    rewrite_export(second, lambda rows: [*rows, dict(rows[-1], event_id="forged")])  # one visit added
    head_line = (tmp_path / "kiosk-02.csv.head").read_text().strip()
    done = cli("stats", "merge", second, "--out", merged)
    assert done.exit_code == 1 and "row 3 after the signed head" in done.stdout

    # The attacker signs the rewritten file with a key of their own: the paper's key refuses it.
    from kiosk.statistics.seal import signed_head

    (tmp_path / "attacker").mkdir()
    (tmp_path / "kiosk-02.csv.head").write_text(signed_head(tmp_path / "attacker", "2026-11-05", 3,
                                                            _last_hash(second)) + "\n")  # fmt: skip
    assert cli("stats", "merge", second, "--out", merged).exit_code == 0  # no known key: only named ...
    assert "head signed by key" in cli("stats", "merge", second, "--out", merged).stdout
    done = cli("stats", "merge", first, second, "--head", paper1, "--head", paper, "--out", merged)
    assert done.exit_code == 1 and "not a terminal's key you gave" in done.stdout
    assert head_line.split(" ")[-1] == paper.split(" ")[-1]  # ... the terminal's sidecar had the paper's key

    (tmp_path / "kiosk-01.csv.head").unlink()
    done = cli("stats", "merge", first, "--out", merged)
    assert done.exit_code == 0 and "no signed head beside it: rows 1-3 proven by no signed head" in done.stdout
    done = cli("stats", "merge", first, "--head", paper, "--out", merged)
    assert done.exit_code == 1 and "SIGNED HEAD REFUSED: no signed head beside it" in done.stdout


def test_with_a_known_key_an_export_whose_signed_head_was_deleted_is_refused(tmp_path, cli):
    config, export = _kiosk_export(tmp_path, cli, "kiosk-01", 3)
    paper = cli("stats", "head", "--day", "2026-11-05", "--config", config).stdout.strip()
    key = paper.split(" ")[-1].removeprefix("key=")
    rewrite_export(export, lambda rows: [rows[0], rows[2]])  # row 2 dropped, the plain chain recomputed
    (tmp_path / "kiosk-01.csv.head").unlink()

    merged = tmp_path / "merged.csv"
    for given in (("--key", key), ("--head", paper)):
        done = cli("stats", "merge", export, *given, "--out", merged)
        assert done.exit_code == 1, done.output
        assert "kiosk-01.csv: 2 events, SIGNED HEAD REFUSED: no signed head beside it" in done.stdout
        assert not merged.exists()


def _last_hash(path) -> str:
    from kiosk.statistics.store import read_csv_export

    return read_csv_export(path)[-1]["row_hash"]


def test_the_managers_events_csv_ends_in_a_head_that_verify_accepts(tmp_path, cli, make_app):
    import csv
    import io

    from tests.support.auth import AuthActions

    app = make_app()
    app.config["WTF_CSRF_ENABLED"] = False
    app.extensions["kiosk.accounts"].create_manager("boss", "correct horse battery")
    stats = app.extensions["kiosk.terminal"].stats
    stats.append([event("2026-11-05 10:00"), event("2026-11-05 11:00")])
    client = app.test_client()
    AuthActions(client).manager_login()

    body = client.get("/manager/export/events.csv").data.decode("utf-8-sig")
    *_, (line,) = csv.reader(io.StringIO(body, newline=""))
    assert line.split(" ")[2:4] == ["2", stats.head()]
    config = tmp_path / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{app.config["KIOSK"].instance}"\n')
    assert stats.path == str(app.config["KIOSK"].instance / "stats.sqlite3")
    assert cli("stats", "verify", "--head", line, "--config", config).exit_code == 0
