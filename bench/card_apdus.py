"""Benchmark: APDUs, bytes and time for one full registration (card in → done).

Runs the kiosk's own card steps (inspect the card, verify, sign, register with the simulated
gateway, read the age band) through the in-process virtual card and through a real pcscd with
vsmartcard's vpcd, and prints the measured APDU count beside the minimum the flow needs.

    .venv/bin/python bench/card_apdus.py [--runs N]

Needs pcscd and vsmartcard-vpcd (the README's test command installs them) and no other pcscd
running; it starts its own on loopback ports and stops it by PID.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drivers.mynumber import MyNumberCard  # noqa: E402
from drivers.virtualcard.inprocess import VirtualReader  # noqa: E402
from drivers.virtualcard.pki import VirtualPki  # noqa: E402
from drivers.virtualcard.residents import load_residents  # noqa: E402
from kiosk.gateway.simulator import SimulatedGateway  # noqa: E402
from kiosk.visit.registration import inspect_card, prove_and_register  # noqa: E402

# card.md, APDU table: READ BINARY is `00 B0 <offset hi> <offset lo> <Le>` with "Le 00 = 256", and
# the driver "must work with short APDUs": one READ BINARY returns at most 256 bytes.
SHORT_READ_MAX = 256


def reads_for(length: int) -> int:
    """READ BINARYs needed for a whole file of ``length`` bytes under card.md's rules.

    card.md gives no file sizes: the length is in the file's own header (certificate `30 82 LL LL`,
    total = LLLL + 4; basic info a TLV under `FF 20`), so it is learned from the first read, and
    that read may as well take all 256 bytes. At least one read; every further one takes 256."""
    return max(1, math.ceil(length / SHORT_READ_MAX))


def minimum_apdus(cert_len: int, basic_info_len: int) -> dict[str, int]:
    """The fewest APDUs for card.md's 'Registration, end to end', per step (not the driver's own count)."""
    return {
        # Step 1 + APDU table 'select JPKI-AP' (identifies the card). The token info that step 1
        # also names is not read: nothing the kiosk shows or records comes from it.
        "select JPKI-AP": 1,
        # Step 2 + APDU table 'select EF 000A', then 'read binary' (reads_for above).
        "select + read the authentication certificate": 1 + reads_for(cert_len),
        # Step 3 + APDU table 'tries left, no try spent': select 0018, then 00 20 00 80.
        "select PIN EF + tries left (before the consent screen)": 2,
        # 'Always read the tries left first; never send a verify that could lock the card without
        # the resident being told': the count is read again when the PIN arrives (EF 0018 still selected).
        "tries left again just before VERIFY": 1,
        # Step 4 + APDU table 'verify PIN' (EF 0018 still selected).
        "VERIFY": 1,
        # Step 5 + APDU table 'sign': select 0017, then 80 2A.
        "select key + COMPUTE DIGITAL SIGNATURE": 2,
        # Step 6: another AP (SELECT by AID), its own PIN EF 0011 and counter: tries left first, then VERIFY.
        "券面事項入力補助AP: select AP + PIN EF, tries left, VERIFY": 4,
        # Step 6: select EF 0002, then 'read binary' (reads_for above).
        "select + read the basic info (birth date only is kept)": 1 + reads_for(basic_info_len),
    }


def one_registration(connection, gateway: SimulatedGateway) -> tuple[int, int, int, str | None]:
    session = MyNumberCard(connection)
    card = inspect_card(session, b"k" * 32, 90)
    tries = card.facts.tries_left
    outcome = prove_and_register(card, bytearray(b"1234"), tries, gateway, "bench", "bench", read_age=True)
    p = session.protocol
    return p.apdu_count, p.bytes_sent, p.bytes_received, outcome.age_band


def run_inprocess(runs: int, pki: VirtualPki, resident, workdir: Path) -> tuple[list[float], tuple]:
    times, counts = [], None
    for i in range(runs):
        reader = VirtualReader()
        card = resident.make_card(pki)
        reader.insert(card)
        gateway = SimulatedGateway(workdir / f"inproc-{i}.sqlite3", [pki.ca_cert])
        start = time.perf_counter()
        counts = one_registration(reader.connect(), gateway)
        times.append(time.perf_counter() - start)
    return times, counts


def run_pcsc(runs: int, pki: VirtualPki, resident, workdir: Path) -> tuple[list[float], tuple]:
    from drivers.pcsc import PcscReader
    from drivers.virtualcard.vpcd import VpcdBridge
    from tests.support.pcsc_harness import READER, PcscDaemon

    daemon = PcscDaemon().start()
    times, counts = [], None
    try:
        for i in range(runs):
            daemon.wait_reader("empty")
            bridge = VpcdBridge(resident.make_card(pki), "127.0.0.1", daemon.port).start()
            daemon.wait_reader("card_present")
            reader = PcscReader(READER)
            gateway = SimulatedGateway(workdir / f"pcsc-{i}.sqlite3", [pki.ca_cert])
            start = time.perf_counter()
            connection = reader.connect()
            counts = one_registration(connection, gateway)
            times.append(time.perf_counter() - start)
            connection.close()
            reader.close()
            bridge.stop()
    finally:
        daemon.stop()
    return times, counts


def report(label: str, times: list[float], counts: tuple, minimum: int) -> None:
    apdus, sent, received, band = counts
    print(f"\n{label}")
    print(f"  APDUs       {apdus} (minimum for the flow: {minimum}){'' if apdus == minimum else '  <-- REDUNDANT'}")
    print(f"  bytes       {sent} sent, {received} received")
    print(f"  time        median {statistics.median(times) * 1000:.1f} ms, "
          f"min {min(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms over {len(times)} runs")
    print(f"  age band    {band}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        pki = VirtualPki(workdir / "pki")
        resident = load_residents()["hanako"]
        probe = resident.make_card(pki)
        cert_len = len(probe.auth_certificate)
        basic_len = len(probe.basic_info)
        needed = minimum_apdus(cert_len, basic_len)
        minimum = sum(needed.values())
        print(f"One registration of '{resident.label}': certificate {cert_len} bytes, basic info {basic_len} bytes")
        print("Minimum APDUs by card.md's rules (short APDUs, Le 00 = 256, file length from the file's header):")
        for what, n in needed.items():
            print(f"  {n:3d}  {what}")
        print(f"  {minimum:3d}  total")
        report("in-process virtual card", *run_inprocess(args.runs, pki, resident, workdir), minimum)
        report("pcscd 1.9 + vsmartcard vpcd (loopback)", *run_pcsc(max(3, args.runs // 2), pki, resident, workdir),
               minimum)
        print("\nvpcd carries each APDU over a TCP round trip of its own (~50 ms here), so the PC/SC time is")
        print("about APDUs x 50 ms: the APDU count, not our code, sets it. A USB CCID reader is not measured.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
