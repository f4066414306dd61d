"""One statistics row per session, with what the subsidy report needs and no personal data."""

import csv
import io
import os

import pytest

from tests.support.waiting import wait_recorded, wait_until


@pytest.fixture
def app(make_app):
    return make_app(age_source="card")  # the resident agrees to the birth date being read


def run_happy_path(client, demo, terminal, key: str = "hanako", pin: str = "1234"):
    """A resident registers, saying yes to the age band, and takes the card; returns the
    virtual card for inspection."""
    demo.insert(key)
    card = demo.reader.card
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    client.post("/action", data={"action": "agree"})
    client.post("/action", data={"action": "read_age"})
    client.post("/pin", data={"pin": pin})
    wait_until(lambda: terminal.snapshot()["step"] == "done")
    demo.remove()
    wait_until(lambda: terminal.snapshot()["step"] == "idle")
    wait_recorded(terminal)
    return card


def test_happy_path_row_has_outcome_duration_tries(client, demo, terminal):
    card = run_happy_path(client, demo, terminal)
    # The 個人番号 (EF 0001 of the 券面事項入力補助AP) is never even selected.
    assert ("EF", 0x0001) not in card.audit
    (row,) = list(terminal.stats.events())
    assert row["outcome"] == "registered"
    assert row["pin_attempts"] == 1 and row["tries_left_at_start"] == 3
    assert 0 <= row["duration_seconds"] < 60
    assert row["new_card"] == 1  # hanako's certificate is 12 days old
    assert len(row["holder_key"]) == 32
    assert row["age_band"] == "75+"  # from the 券面事項入力補助AP's birth date, which is dropped


def test_age_band_is_not_read_when_the_second_pin_counter_is_not_full(client, demo, terminal):
    card = run_happy_path(client, demo, terminal, "fumiko", "8642")
    # A correct VERIFY would have reset the counter to 3: it is untouched, so none was sent.
    assert card.tries_left("kenhojo") == 2
    (row,) = list(terminal.stats.events())
    assert row["outcome"] == "registered" and row["age_band"] is None


def test_database_bytes_hold_no_pin_name_address_or_birth_date(client, demo, terminal, residents):
    run_happy_path(client, demo, terminal)
    (row,) = list(terminal.stats.events())
    card = demo.residents["hanako"].make_card(demo.pki)
    db = terminal.stats.path
    raw = b"".join(open(p, "rb").read() for p in (db, db + "-wal") if os.path.exists(p))
    # Strip the row's own generated values, so a PIN-like run inside a UUID or hash can't
    # hide or fake a finding; what is left must not hold any personal value.
    (chained,) = list(terminal.stats.events(with_chain=True))
    for value in (row["event_id"], row["holder_key"], row["started_at"], row["ended_at"],
                  chained["prev_hash"], chained["row_hash"]):  # fmt: skip
        raw = raw.replace(value.encode(), b"")
    for secret in (
        b"1234",
        card.profile.name.encode(),
        card.profile.address.encode(),
        b"19440512",
        b"1944-05-12",
    ):
        assert secret not in raw, secret


def test_cli_export_writes_csv_that_excel_opens(client, demo, terminal, instance, tmp_path, cli):
    run_happy_path(client, demo, terminal)
    out = tmp_path / "events.csv"
    config = tmp_path / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{instance}"\n')
    result = cli("stats", "export", "--format", "csv", "--out", out, "--config", config)
    assert result.exit_code == 0, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel on municipal PCs reads UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["outcome"] for r in rows] == ["registered"]


def test_several_terminals_can_share_one_postgresql_store(pki_dir, postgres, tmp_path):
    """Two kiosks write to one database: one chain, each event once, verifiable."""
    from kiosk import create_app

    url = postgres.new_database()
    apps = []
    try:
        for n in (1, 2):
            (tmp_path / f"k{n}").mkdir()
            (tmp_path / f"k{n}" / "virtualcard").symlink_to(pki_dir, target_is_directory=True)  # keys made once
            app = create_app({"demo": True, "instance_path": str(tmp_path / f"k{n}"), "secret_key": "t",
                              "terminal_id": f"kiosk-0{n}", "stats_database_url": url,
                              "error_return_seconds": 2})  # fmt: skip
            app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
            app.extensions["kiosk.terminal"].start()
            apps.append(app)
            terminal, demo = app.extensions["kiosk.terminal"], app.extensions["kiosk.demo"]
            run_happy_path(app.test_client(), demo, terminal)
        store = apps[0].extensions["kiosk.terminal"].stats
        events = list(store.events())
        assert sorted(e["terminal_id"] for e in events) == ["kiosk-01", "kiosk-02"]
        assert store.verify().ok and store.verify().rows == 2
    finally:
        for app in apps:
            app.extensions["kiosk.terminal"].stop()
