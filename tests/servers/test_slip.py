"""The slip to take home, printed through a real cupsd to a PDF-writing queue and read back."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from tests.support.browser import ARTIFACTS
from tests.support.cups_harness import PrivateCups, pdf_text
from tests.support.waiting import wait_until

PLACE = "本庁舎 1階 3番窓口"
ELSEWHERE = (
    "Other places to register the card",
    "A clinic's face recognition card reader. It works even when the PIN is locked.",
    "A Seven Bank ATM",
    "The Mynaportal app",
)


@pytest.fixture(scope="module")
def cups():
    for tool in ("/usr/sbin/cupsd", "lp", "pdftotext"):
        assert shutil.which(tool), f"{tool} is missing: run scripts/install.sh (cups, poppler-utils)"
    # Not under pytest's private tmp: CUPS's filters run as user lp and must reach the queue's PPD.
    root = Path(tempfile.mkdtemp(prefix="kiosk-cups-"))
    root.chmod(0o755)
    server = PrivateCups(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def words(app, locale: str, *msgids: str) -> list[str]:
    with app.test_request_context(), force_locale(locale):
        return [_(m) for m in msgids]


def page(client) -> str:
    return client.get("/").get_data(as_text=True)


def kiosk_with_printer(make_app, cups, queue: str = "slip", **overrides):
    app = make_app(slip_printer=queue, slip_cups_server=cups.server, counter_place=PLACE, **overrides)
    app.config["WTF_CSRF_ENABLED"] = False
    return app, app.extensions["kiosk.terminal"], app.extensions["kiosk.demo"], app.test_client()


def assert_no_personal_data(text: str) -> None:
    for forbidden in ("Hanako", "Jiro", "1944", "1947", "05-12", "11-11", "1234", "1111"):
        assert forbidden not in text


def test_a_slip_after_registering_in_vietnamese_with_japanese_beside_it(make_app, cups):
    target = cups.add_pdf_queue("slip")
    app, terminal, demo, client = kiosk_with_printer(make_app, cups, error_return_seconds=60)
    client.post("/language", data={"language": "vi"})
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    client.post("/action", data={"action": "agree"})
    client.post("/pin", data={"pin": "1234"})
    wait_until(lambda: terminal.snapshot()["step"] == "done")
    demo.remove()
    wait_until(lambda: not terminal.snapshot()["card_present"])
    # The card is taken, and the result is still there to read and print.
    html = page(client)
    assert 'data-step="done"' in html and "In phiếu" in html
    client.post("/slip")
    wait_until(lambda: 'data-slip="printed"' in page(client), timeout=30, what="the slip printed")
    assert "Phiếu đã được in" in page(client)

    text = flat(pdf_text(cups.wait_for_pdf(target)))
    ARTIFACTS.mkdir(exist_ok=True)  # the slip as the README shows it
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", str(target), str(ARTIFACTS / "slip-2-printed")],
                   check=True)  # fmt: skip
    for locale in ("vi", "ja"):
        for expected in words(app, locale, "Registration is complete", "What to do next", *ELSEWHERE):
            assert flat(expected) in text, (locale, expected)
    settings = app.config["KIOSK"]
    for expected in (settings.counter_name, PLACE, settings.counter_hours, settings.helpline_phone):
        assert flat(expected) in text
    assert "顔認証" in text and "ロック" in text  # the clinic's reader works with a locked PIN
    assert_no_personal_data(text)


def test_a_slip_from_a_locked_pin_error_in_portuguese(make_app, cups):
    target = cups.add_pdf_queue("slip-pt")
    app, terminal, demo, client = kiosk_with_printer(make_app, cups, queue="slip-pt")
    client.post("/language", data={"language": "pt"})
    demo.insert("jiro")
    wait_until(lambda: terminal.snapshot()["reason"] == "pin_locked")
    client.post("/slip")
    wait_until(lambda: 'data-slip="printed"' in page(client), timeout=30, what="the slip printed")
    text = flat(pdf_text(cups.wait_for_pdf(target)))
    for locale in ("pt_BR", "ja"):
        title, = words(app, locale, "The PIN of this card is locked")
        assert flat(title) in text
    assert_no_personal_data(text)


def test_a_printer_that_does_not_work_is_told_and_nothing_is_lost(make_app, cups):
    app, terminal, demo, client = kiosk_with_printer(make_app, cups, queue="no-such-printer")
    demo.insert("jiro")
    wait_until(lambda: terminal.snapshot()["reason"] == "pin_locked")
    client.post("/slip")
    wait_until(lambda: 'data-slip="failed"' in page(client), timeout=30, what="the printer's failure")
    html = page(client)
    assert "プリンターが使えません" in html
    assert 'data-reason="pin_locked"' in html and 'data-action="print-slip"' in html  # can try again


def test_no_printer_no_button(make_app):
    app = make_app()
    terminal, demo, client = app.extensions["kiosk.terminal"], app.extensions["kiosk.demo"], app.test_client()
    demo.insert("jiro")
    wait_until(lambda: terminal.snapshot()["reason"] == "pin_locked")
    assert 'data-action="print-slip"' not in page(client)


def test_a_service_that_cannot_be_reached_offers_the_slip_instead_of_the_pin(make_app, cups):
    """Known before the PIN: the first screen after the card says the service is down and prints
    the slip (when the counter is open, where else to register) rather than asking for the PIN."""
    target = cups.add_pdf_queue("slip-down")
    with socket.socket() as s:  # a port nobody listens on: the registration service is down
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app, terminal, demo, client = kiosk_with_printer(
        make_app, cups, queue="slip-down", gateway_url=f"http://127.0.0.1:{port}", gateway_attempts=1,
        error_return_seconds=60,
    )  # fmt: skip
    client.post("/language", data={"language": "en"})
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "error", timeout=15, what="the first screen after the card")
    html = page(client)
    assert 'data-reason="gateway_unavailable"' in html and "data-key=" not in html and 'data-action="agree"' not in html
    assert "The registration system cannot be reached" in html and 'data-action="print-slip"' in html
    client.post("/slip")
    wait_until(lambda: 'data-slip="printed"' in page(client), timeout=30, what="the slip printed")

    text = flat(pdf_text(cups.wait_for_pdf(target)))
    ARTIFACTS.mkdir(exist_ok=True)  # the slip's first page, as the README shows it
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", "1", str(target),
                    str(ARTIFACTS / "slip-3-service-down")], check=True)  # fmt: skip
    for locale in ("en", "ja"):
        said = words(app, locale, "The registration system cannot be reached", "Nothing was registered.",
                     "Please try again later or ask the helper.", *ELSEWHERE)  # fmt: skip
        for expected in said:
            assert flat(expected) in text, (locale, expected)
    settings = app.config["KIOSK"]
    for expected in (settings.counter_name, PLACE, settings.counter_hours, settings.helpline_phone):
        assert flat(expected) in text  # when to come back, and where to ask
    assert_no_personal_data(text)


def test_kiosk_doctor_finds_the_configured_printer_and_names_a_missing_one(cups, cli, tmp_path):
    cups.add_pdf_queue("doctor-slip")
    config = tmp_path / "kiosk.toml"
    for queue, expected in (("doctor-slip", "OK   printer: printer doctor-slip"), ("no-such-queue", "FAIL printer:")):
        config.write_text(f'demo = true\ninstance_path = "{tmp_path}"\nslip_printer = "{queue}"\n'
                          f'slip_cups_server = "{cups.server}"\n')  # fmt: skip
        done = cli("doctor", "--config", config)
        (line,) = [line for line in done.stdout.splitlines() if " printer:" in line]
        assert line.startswith(expected), done.stdout
        assert done.exit_code == (0 if queue == "doctor-slip" else 1)
    assert "no-such-queue" in line and "lpadmin" in line  # the fix names the tool
