"""The card layers over a real pcscd, with the virtual card attached through vsmartcard's vpcd."""

import os
import signal
import subprocess
import sys
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from drivers.errors import CardRemovedError, NotMyNumberCardError, WrongPinError
from drivers.mynumber import JpkiSession, MyNumberCard, digest_info_sha256
from drivers.pcsc import PcscReader
from drivers.reader import ReaderStatus
from tests.support.pcsc_harness import READER

pytestmark = pytest.mark.pcsc


def wait_status(reader: PcscReader, wanted: ReaderStatus, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = reader.wait_for_change(0.3)
        if status == wanted:
            return
    raise AssertionError(f"reader stayed {status}, wanted {wanted}")


@pytest.fixture
def reader(pcscd):
    r = PcscReader(READER)
    yield r
    r.close()


def test_reader_sees_card_come_and_go(reader, vpcd_card):
    wait_status(reader, ReaderStatus.EMPTY)
    bridge = vpcd_card("hanako")
    wait_status(reader, ReaderStatus.CARD_PRESENT)
    bridge.stop()
    wait_status(reader, ReaderStatus.EMPTY)


def test_read_certificate_verify_pin_and_sign(reader, vpcd_card):
    vpcd_card("hanako")
    wait_status(reader, ReaderStatus.CARD_PRESENT)
    connection = reader.connect()
    s = JpkiSession(connection)
    cert = x509.load_der_x509_certificate(s.read_auth_certificate())
    assert s.tries_left() == 3
    s.verify_pin(b"1234")
    signature = s.sign(digest_info_sha256(b"gateway nonce"))
    cert.public_key().verify(signature, b"gateway nonce", padding.PKCS1v15(), hashes.SHA256())
    connection.close()


def test_wrong_pin_decrements_tries(reader, vpcd_card):
    vpcd_card("hanako")
    wait_status(reader, ReaderStatus.CARD_PRESENT)
    s = JpkiSession(reader.connect())
    with pytest.raises(WrongPinError) as exc:
        s.verify_pin(b"0000")
    assert exc.value.tries_left == 2
    assert s.tries_left() == 2


def test_card_removed_mid_session(reader, vpcd_card):
    bridge = vpcd_card("hanako")
    wait_status(reader, ReaderStatus.CARD_PRESENT)
    s = JpkiSession(reader.connect())
    s.read_auth_certificate()
    bridge.stop()
    with pytest.raises(CardRemovedError):
        s.tries_left()


def test_other_card_is_not_a_my_number_card(reader, vpcd_card):
    vpcd_card("bankcard")
    wait_status(reader, ReaderStatus.CARD_PRESENT)
    with pytest.raises(NotMyNumberCardError):
        JpkiSession(reader.connect())


def test_card_emulate_command_inserts_until_interrupted(reader, pcscd, instance):
    wait_status(reader, ReaderStatus.EMPTY)
    config = instance / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{instance}"\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "card", "emulate", "--resident", "hanako",
         "--vpcd", f"127.0.0.1:{pcscd.port}", "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        # A suite started in the background (a non-interactive shell's `&`) ignores SIGINT, and an
        # ignored signal is inherited: give the command the default, as a terminal's Ctrl-C would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        wait_status(reader, ReaderStatus.CARD_PRESENT, timeout=30)
        s = JpkiSession(reader.connect())
        assert s.tries_left() == 3
    finally:
        os.kill(proc.pid, signal.SIGINT)
        proc.wait(timeout=10)
    wait_status(reader, ReaderStatus.EMPTY)


@pytest.fixture
def pcsc_app(make_pcsc_app):
    return make_pcsc_app()


def to_pin_step(app, vpcd_card):
    """Insert hanako's card over vpcd and agree: the kiosk waits for the PIN."""
    from tests.support.waiting import wait_until

    terminal = app.extensions["kiosk.terminal"]
    client = app.test_client()
    bridge = vpcd_card("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent", what="consent")
    client.post("/action", data={"action": "agree"})
    return terminal, client, bridge


def test_whole_registration_over_pcsc(pcsc_app, vpcd_card):
    from tests.support.waiting import wait_recorded, wait_until

    terminal, client, bridge = to_pin_step(pcsc_app, vpcd_card)
    client.post("/pin", data={"pin": "1234"})
    wait_until(lambda: terminal.snapshot()["step"] == "done", what="done")
    bridge.stop()
    wait_until(lambda: terminal.snapshot()["step"] == "idle", what="idle")
    wait_recorded(terminal)
    (row,) = list(terminal.stats.events())
    assert row["outcome"] == "registered"


def test_card_pulled_while_registering_over_pcsc(pcsc_app, vpcd_card):
    from tests.support.waiting import wait_recorded, wait_until

    terminal, client, bridge = to_pin_step(pcsc_app, vpcd_card)
    bridge.stop()  # pulled just before the PIN goes to the card
    client.post("/pin", data={"pin": "1234"})
    wait_until(lambda: terminal.snapshot()["reason"] == "card_removed", what="card removed screen")
    wait_recorded(terminal)
    (row,) = list(terminal.stats.events())
    assert row["outcome"] == "not_completed" and row["reason"] == "card_removed"


@pytest.mark.parametrize("quirks", [frozenset({q}) for q in ("get_response", "wrong_le", "eof_warning", "strict_le")])
def test_driver_takes_61xx_and_6cxx_answers_through_pcscd(reader, vpcd_card, quirks):
    """Real cards and readers differ: some answer long data with 61 xx, some say 6C xx."""
    vpcd_card("hanako", quirks)
    connection = reader.connect()
    try:
        s = JpkiSession(connection)
        der = s.read_auth_certificate()
        cert = x509.load_der_x509_certificate(der)
        assert len(der) % 256 != 0  # the last chunk is a partial one
        s.verify_pin(b"1234")
        signature = s.sign(digest_info_sha256(b"nonce"))
        cert.public_key().verify(signature, b"nonce", padding.PKCS1v15(), hashes.SHA256())
    finally:
        connection.close()


def test_a_registration_with_age_band_costs_18_apdus_through_pcscd(reader, vpcd_card, pki, tmp_path):
    """Counted where the card answers (vpcd), not by the driver: 18 APDUs, card.md's minimum."""
    from kiosk.gateway.simulator import SimulatedGateway
    from kiosk.visit.registration import inspect_card, prove_and_register

    bridge = vpcd_card("hanako")
    connection = reader.connect()
    try:
        in_hand = inspect_card(MyNumberCard(connection), b"k" * 32, 90)
        gateway = SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert])
        outcome = prove_and_register(in_hand, bytearray(b"1234"), 3, gateway, "v", "t", read_age=True)
    finally:
        connection.close()
    assert outcome.result.status == "registered" and outcome.age_band == "75+"
    assert bridge.apdus_answered == 18
