"""Each stored visit names, by pseudonym only, the helpers on duty at the kiosk when it ended and
the helper who acted on it from the panel (issue 14 item 2); the manager's events CSV shows both
and `kiosk stats verify` catches an edited name."""

from __future__ import annotations

import csv
import io

import pytest

from tests.support.auth import STAFF_CODE, AuthActions
from tests.support.waiting import wait_recorded, wait_until


@pytest.fixture
def accounts(app):
    store = app.extensions["kiosk.accounts"]
    store.create_staff(STAFF_CODE, "246813")
    store.create_manager("boss", "correct horse battery")
    return store


def finish(client, demo, terminal, resident: str, pin: str, allow_last_try: bool = False) -> None:
    demo.insert(resident)
    if allow_last_try:
        wait_until(lambda: terminal.snapshot()["reason"] == "one_try_left")
        visit = terminal.staff_snapshot()["visit"]
        client.post("/staff/action", data={"action": "allow_last_try", "visit": visit})
    else:
        wait_until(lambda: terminal.snapshot()["step"] == "consent")
        client.post("/action", data={"action": "agree"})
    wait_until(lambda: terminal.snapshot()["step"] == "pin")
    client.post("/pin", data={"pin": pin})
    wait_until(lambda: terminal.snapshot()["step"] == "done")
    demo.remove()
    wait_until(lambda: not terminal.snapshot()["card_present"])


def test_a_visit_names_the_helper_on_duty_and_the_one_who_allowed_the_last_try(
    app, client, accounts, demo, terminal, cli, instance
):
    finish(client, demo, terminal, "hanako", "1234")  # nobody signed in at the kiosk
    wait_recorded(terminal, 1)
    AuthActions(client).staff_login()  # the helper's shift opens at this kiosk
    finish(client, demo, terminal, "sachiko", "2580", allow_last_try=True)
    wait_recorded(terminal, 2)

    alone, helped = terminal.stats.events()
    me = app.extensions["kiosk.help"].pseudonym(STAFF_CODE)
    assert (alone["staff_on_duty"], alone["acted_by"]) == (None, None)
    assert (helped["staff_on_duty"], helped["acted_by"]) == (me, me)
    assert STAFF_CODE not in str([alone, helped])  # a pseudonym, never the staff code

    # The manager's download carries both columns, under their labels.
    manager = app.test_client()
    AuthActions(manager).manager_login()
    body = manager.get("/manager/export/events.csv?lang=en&training=1").data.decode("utf-8-sig")
    *rows, _signed = csv.DictReader(io.StringIO(body, newline=""))
    assert [(r["staff on duty (pseudonyms)"], r["acted by (pseudonyms)"]) for r in rows] == [("", ""), (me, me)]
    body = manager.get("/manager/export/events.csv?training=1").data.decode("utf-8-sig")
    assert "勤務中の職員(仮名ID)" in body and "対応した職員(仮名ID)" in body

    # The names are in the chain: an edited one is caught.
    config = instance.parent / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{instance}"\n')
    assert cli("stats", "verify", "--config", config).exit_code == 0
    with terminal.stats.engine.begin() as db:  # someone with the file, not the key: drop the trigger
        db.exec_driver_sql("DROP TRIGGER events_no_update")
        db.exec_driver_sql("UPDATE events SET staff_on_duty = 'h-000000000000' WHERE seq = 2")
    done = cli("stats", "verify", "--config", config)
    assert done.exit_code == 1 and "row 2" in done.stderr + done.stdout
