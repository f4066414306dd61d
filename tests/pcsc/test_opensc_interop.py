"""Fidelity: OpenSC's own JPKI driver, written by others for real cards, uses the virtual card.

If the virtual card drifted from what real readers and middleware expect (file IDs, PIN
references, the signature APDU), these tests fail even though our own driver would not notice.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

pytestmark = pytest.mark.pcsc

PKCS11_MODULE = Path("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so")


@pytest.fixture(autouse=True)
def _opensc_installed():
    if shutil.which("pkcs15-tool") is None or not PKCS11_MODULE.exists():
        pytest.fail("OpenSC is not installed: run the README's test command (it installs opensc)")


def run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{args[0]} failed: {done.stdout}\n{done.stderr}"
    return done.stdout


def test_pkcs15_tool_lists_and_reads_the_authentication_certificate(vpcd_card):
    card = vpcd_card("hanako").card
    listing = run("pkcs15-tool", "--list-certificates")
    assert "User Authentication Certificate" in listing
    assert "Path           : 000a" in listing

    pem = run("pkcs15-tool", "--read-certificate", "01")
    assert x509.load_pem_x509_certificate(pem.encode()) == x509.load_der_x509_certificate(card.auth_certificate)

    pins = run("pkcs15-tool", "--list-pins")
    assert "User Authentication PIN" in pins and "Tries left     : 3" in pins


def test_pkcs11_tool_signs_with_the_authentication_key_and_the_signature_verifies(vpcd_card, tmp_path):
    card = vpcd_card("hanako").card
    message = tmp_path / "challenge.bin"
    message.write_bytes(b"registration challenge from the gateway")
    signature = tmp_path / "signature.bin"
    run(
        "pkcs11-tool", "--module", str(PKCS11_MODULE), "--slot-index", "0", "--login", "--pin", "1234",
        "--sign", "--mechanism", "SHA256-RSA-PKCS", "--id", "01",
        "--input-file", str(message), "--output-file", str(signature),
    )  # fmt: skip
    public_key = x509.load_der_x509_certificate(card.auth_certificate).public_key()
    public_key.verify(signature.read_bytes(), message.read_bytes(), padding.PKCS1v15(), hashes.SHA256())
    assert card.tries_left() == 3


def test_a_wrong_pin_through_opensc_costs_one_try_on_the_virtual_card(vpcd_card):
    card = vpcd_card("hanako").card
    done = subprocess.run(
        ["pkcs11-tool", "--module", str(PKCS11_MODULE), "--slot-index", "0", "--login", "--pin", "9999",
         "--list-objects"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    assert "CKR_PIN_INCORRECT" in done.stdout + done.stderr
    assert card.tries_left() == 2
    assert "Tries left     : 2" in run("pkcs15-tool", "--list-pins")
