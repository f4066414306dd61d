"""Over real pcscd + vpcd: the PIN goes to the 券面事項入力補助AP only after the resident's own
yes on the age screen (issue 12, item 7), and then in one VERIFY at most."""

import pytest

from tests.support.waiting import wait_recorded, wait_until

pytestmark = pytest.mark.pcsc


def reach(terminal, wanted: str) -> None:
    wait_until(lambda: terminal.snapshot()["step"] == wanted and not terminal.snapshot()["busy"],
               what=f"step {wanted} (now {terminal.snapshot()})")  # fmt: skip


@pytest.mark.parametrize(("answer", "verifies", "band"), [("read_age", ["auth", "kenhojo"], "75+"),
                                                          ("skip_age", ["auth"], None)])  # fmt: skip
def test_only_a_yes_costs_a_verify_on_the_second_application(make_pcsc_app, vpcd_card, answer, verifies, band):
    app = make_pcsc_app(age_source="card")
    terminal, client = app.extensions["kiosk.terminal"], app.test_client()
    bridge = vpcd_card("hanako")
    reach(terminal, "consent")
    client.post("/action", data={"action": "agree"})
    reach(terminal, "age_consent")
    assert bridge.card.pin_log == []  # nothing sent while the resident decides
    client.post("/action", data={"action": answer})
    reach(terminal, "pin")
    client.post("/pin", data={"pin": "1234"})
    reach(terminal, "done")
    assert bridge.card.pin_log == verifies
    bridge.stop()
    reach(terminal, "idle")
    wait_recorded(terminal)
    (event,) = list(terminal.stats.events())
    assert event["age_band"] == band
