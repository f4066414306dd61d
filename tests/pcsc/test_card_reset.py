"""After the card steps, the card is locked again: over real pcscd + vpcd, with the card left on
the reader, another program on the kiosk can neither read the basic four nor sign, whatever way
the visit ended; and while the steps run it cannot reach the card at all."""

import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from drivers.mynumber import MyNumberCard
from drivers.pcsc import PcscReader
from drivers.transport import SmartCardConnection
from kiosk.gateway import GatewayUnavailableError
from kiosk.visit.registration import inspect_card, prove
from tests.support.other_program import Loot, OtherProgram, assert_nothing_stolen
from tests.support.pcsc_harness import READER
from tests.support.waiting import wait_until

pytestmark = pytest.mark.pcsc


def step(terminal, wanted, reason=None, timeout=10.0):
    def reached():
        s = terminal.snapshot()
        return s["step"] == wanted and (reason is None or s["reason"] == reason)

    wait_until(reached, timeout, what=f"step {wanted} {reason or ''} (now {terminal.snapshot()})")


def at_pin_step(app, vpcd_card):
    terminal, client = app.extensions["kiosk.terminal"], app.test_client()
    card = vpcd_card("hanako").card
    step(terminal, "consent")
    client.post("/action", data={"action": "agree"})
    if terminal.snapshot()["step"] == "age_consent":  # age_source = "card": the resident says yes
        client.post("/action", data={"action": "read_age"})
    step(terminal, "pin")
    return terminal, client, card


class DownAtRegister:
    """A registration service that hands out a nonce, then cannot be reached."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def challenge(self):
        return self.inner.challenge()

    def register(self, *args, **kwargs):
        raise GatewayUnavailableError("the registration service went away")


class SlowAtRegister:
    """A registration service that takes its time to answer (the kiosk waits up to a minute)."""

    def __init__(self, inner) -> None:
        self.inner, self.asked, self.answer = inner, threading.Event(), threading.Event()

    def challenge(self):
        return self.inner.challenge()

    def register(self, *args, **kwargs):
        self.asked.set()
        self.answer.wait(10)
        return self.inner.register(*args, **kwargs)


@pytest.mark.parametrize("age_source", ["card", "none"])
def test_after_done_another_program_finds_the_card_locked(make_pcsc_app, vpcd_card, age_source):
    terminal, client, card = at_pin_step(make_pcsc_app(age_source=age_source), vpcd_card)
    client.post("/pin", data={"pin": "1234"})
    step(terminal, "done", "registered")
    assert card.pin_presentations("auth") == 1  # the PIN was verified: there was something to steal
    assert_nothing_stolen(OtherProgram(READER).try_to_steal())


def test_after_the_service_fails_another_program_finds_the_card_locked(make_pcsc_app, vpcd_card):
    terminal, client, card = at_pin_step(make_pcsc_app(), vpcd_card)
    terminal.gateway = DownAtRegister(terminal.gateway)
    client.post("/pin", data={"pin": "1234"})
    step(terminal, "error", "gateway_unavailable")
    assert card.pin_presentations("auth") == 1
    assert_nothing_stolen(OtherProgram(READER).try_to_steal())


def test_while_the_service_is_asked_another_program_finds_the_card_locked(make_pcsc_app, vpcd_card):
    terminal, client, card = at_pin_step(make_pcsc_app(age_source="none"), vpcd_card)
    gateway = terminal.gateway = SlowAtRegister(terminal.gateway)
    client.post("/pin", data={"pin": "1234"})
    assert gateway.asked.wait(10)
    try:
        assert terminal.snapshot()["step"] == "registering"
        assert_nothing_stolen(OtherProgram(READER).try_to_steal())
    finally:
        gateway.answer.set()
    step(terminal, "done", "registered")


@pytest.mark.parametrize(
    "end_visit, reason",
    [
        (lambda terminal, client: client.post("/action", data={"action": "cancel"}), "cancelled"),
        (lambda terminal, client: terminal.staff_cancel(), "cancelled"),
        (lambda terminal, client: terminal.act("timeout"), "timed_out"),
    ],
    ids=["resident_cancels", "helper_cancels", "timeout"],
)
def test_a_visit_ended_at_the_pin_step_leaves_the_card_locked(make_pcsc_app, vpcd_card, end_visit, reason):
    terminal, client, card = at_pin_step(make_pcsc_app(), vpcd_card)
    client.post("/pin", data={"pin": "0000"})
    step(terminal, "pin", "wrong_pin")
    assert_nothing_stolen(OtherProgram(READER).try_to_steal())
    end_visit(terminal, client)
    step(terminal, "error", reason)
    assert_nothing_stolen(OtherProgram(READER).try_to_steal())


def test_a_helpers_restart_resets_the_card_and_reads_it_as_a_new_visit(make_pcsc_app, vpcd_card):
    terminal, client, card = at_pin_step(make_pcsc_app(), vpcd_card)
    client.post("/pin", data={"pin": "0000"})
    step(terminal, "pin", "wrong_pin")
    first = terminal.staff_snapshot()["event"]
    terminal.restart()  # the helper's 'restart the visit', the card left on the reader
    wait_until(lambda: terminal.snapshot()["step"] == "consent" and terminal.staff_snapshot()["event"] != first,
               what="the card read again as a new visit")  # fmt: skip
    assert terminal.snapshot()["tries_left"] == 2 and terminal.snapshot()["reason"] is None
    client.post("/action", data={"action": "agree"})
    step(terminal, "pin")
    client.post("/pin", data={"pin": "1234"})
    step(terminal, "done", "registered")
    assert card.tries_left() == 3
    assert_nothing_stolen(OtherProgram(READER).try_to_steal())


def test_after_a_wrong_pin_the_right_one_still_registers(make_pcsc_app, vpcd_card):
    """The reset drops the selected application: the kiosk selects it again by itself."""
    terminal, client, card = at_pin_step(make_pcsc_app(), vpcd_card)
    client.post("/pin", data={"pin": "0000"})
    step(terminal, "pin", "wrong_pin")
    OtherProgram(READER).try_to_steal()  # and another program moved the card around meanwhile
    client.post("/pin", data={"pin": "1234"})
    step(terminal, "done", "registered")
    assert card.tries_left() == 3
    assert_nothing_stolen(OtherProgram(READER).try_to_steal())


class PausingAfterVerify(SmartCardConnection):
    """The kiosk's channel to the card, pausing once just after the card accepted the PIN, as a
    slow card or a busy machine would between two commands."""

    def __init__(self, inner: SmartCardConnection, pause) -> None:
        self.inner, self.pause = inner, pause

    def send_and_receive(self, apdu: bytes) -> tuple[bytes, int]:
        data, sw = self.inner.send_and_receive(apdu)
        if apdu[1] == 0x20 and len(apdu) > 5 and sw == 0x9000 and self.pause is not None:
            pause, self.pause = self.pause, None
            pause()
        return data, sw

    def reset(self) -> None:
        self.inner.reset()

    def begin_transaction(self) -> None:
        self.inner.begin_transaction()

    def end_transaction(self) -> None:
        self.inner.end_transaction()

    def close(self) -> None:
        self.inner.close()


def test_while_the_card_steps_run_another_program_cannot_reach_the_card(pcscd, vpcd_card):
    vpcd_card("hanako")
    attempts: list[Loot] = []
    in_window: list[Loot | None] = []
    thief = threading.Thread(target=lambda: attempts.append(OtherProgram(READER).try_to_steal()), daemon=True)

    def pause() -> None:  # between the VERIFY and the signature: the PIN is verified now
        thief.start()
        thief.join(1.5)
        in_window.append(attempts[0] if attempts else None)

    reader = PcscReader(READER)
    connection = reader.connect()
    try:
        in_hand = inspect_card(MyNumberCard(PausingAfterVerify(connection, pause)), b"k" * 32, 90)
        proof = prove(in_hand, bytearray(b"1234"), 3, b"nonce", read_age=True)
        thief.join(10)  # before our disconnect, which would reset the card under it
    finally:
        connection.close()
        reader.close()
    cert = x509.load_der_x509_certificate(in_hand.certificate)
    cert.public_key().verify(proof.signature, b"nonce", padding.PKCS1v15(), hashes.SHA256())
    assert proof.age_band == "75+"
    assert in_window == [None] or in_window[0].answers == {}, f"in the window: {in_window}"
    assert_nothing_stolen(attempts[0])
