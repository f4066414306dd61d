"""Spoken guidance: what each resident screen says, and the audio files that say it.

The audio is made offline, at install time, by `kiosk voice build`: Debian's Open JTalk with
its naist-jdic dictionary and the 'Mei' HTS voice (MMDAgent, CC BY 3.0) taken from the
pyopenjtalk source package, encoded to Ogg Opus. Nothing is synthesised at run time.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask_babel import force_locale, ngettext
from flask_babel import lazy_gettext as _l

from kiosk import resources
from kiosk.i18n.languages import LANGUAGES, VOICES
from kiosk.i18n.messages import MESSAGES
from kiosk.visit.flow import Reason

VOICE_DIR = resources.VOICE_DIR
DICTIONARY = Path("/var/lib/mecab/dic/open-jtalk/naist-jdic")
VOICE_INDEX = "https://pypi.org/simple/pyopenjtalk/"
VOICE_SDIST = "pyopenjtalk-0.4.1.tar.gz"
VOICE_SDIST_SHA256 = "d5ada46f7fc2b52c1c79c273eb9668ff6ad7ab276a8db9d8be119ef93440f0dc"
VOICE_MEMBER = "pyopenjtalk-0.4.1/pyopenjtalk/htsvoice/mei_normal.htsvoice"


def screen_key(state: dict[str, Any]) -> str:
    """One key per distinct thing a screen says (the same key, the same words)."""
    step, reason = state["step"], state["reason"]
    if step == "idle":
        if state["reader"] == "no_reader":
            return "idle-no-reader"
        return "idle-reading" if state["busy"] else "idle"
    if step == "pin":
        tries = state["tries_left"] or 0
        return f"pin-{reason}" if reason else f"pin-{tries}"
    if step in ("done", "error"):
        return f"{step}-{reason}"
    return step


def _texts() -> dict[str, list]:
    """What each screen says, in the catalog's words (call under a locale)."""
    texts: dict[str, list] = {
        "idle": [_l("Please place your My Number card on the reader"),
                 _l("Place it face up. The screen will move on by itself.")],
        "idle-reading": [_l("Reading your card"), _l("Please leave the card on the reader.")],
        "idle-no-reader": [_l("The card reader is not working"), _l("Please call the helper.")],
        "consent": [_l("Use this card as your health insurance card?"),
                    _l("At clinics and pharmacies, you show this card instead of your insurance card."),
                    _l("Registering is free. You need your 4-digit PIN."),
                    _l("You can stop at any time. Nothing is registered until the end.")],
        "registering": [_l("Registering"), _l("Please wait, and leave the card on the reader.")],
    }
    for tries in (1, 2, 3):
        texts[f"pin-{tries}"] = [
            _l("Enter your 4-digit PIN"),
            ngettext("You can try %(num)d more time.", "You can try %(num)d more times.", tries),
        ]
    texts["pin-1"].append(_l("This is the last try. If the PIN is wrong, the card locks."))
    texts["pin-2"].append(_l("If you are not sure, please ask the helper first."))
    for reason in (Reason.WRONG_PIN, Reason.TRIES_CHANGED):
        m = MESSAGES[reason]
        texts[f"pin-{reason.value}"] = [m.title, m.body, m.next_step]
    for reason, m in MESSAGES.items():
        step = "done" if reason in (Reason.REGISTERED, Reason.ALREADY_REGISTERED) else "error"
        texts[f"{step}-{reason.value}"] = [m.title, m.body, m.next_step]
    return texts


def screen_keys() -> list[str]:
    return sorted(_texts())


def spoken_text(key: str, voice: str) -> str:
    """The sentence Open JTalk reads for ``key`` in ``voice`` (needs an app context)."""
    with force_locale(LANGUAGES[voice].locale):
        text = "。".join(str(part).rstrip("。.") for part in _texts()[key]) + "。"
    # Readings written in brackets for the eye, 保険証(ほけんしょう), are not read twice.
    return re.sub(r"[（(][^）)]*[）)]", "", text)


def audio_path(voice: str, key: str) -> Path:
    return VOICE_DIR / voice / f"{key}.ogg"


def audio_url(language_code: str, key: str) -> str | None:
    """The static URL of the screen's audio in the resident's language, else in Japanese."""
    voice = LANGUAGES[language_code].voice
    for candidate in (voice, "ja"):
        if audio_path(candidate, key).exists():
            return f"voice/{candidate}/{key}.ogg"
    return None


# -- building the files (install time) ----------------------------------------------------
def fetch_voice(cache: Path) -> Path:
    """The HTS voice file, taken once from the pyopenjtalk source package on PyPI (pinned by
    its SHA-256, so a changed file on the registry is refused)."""
    target = cache / "mei_normal.htsvoice"
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with urllib.request.urlopen(VOICE_INDEX, timeout=60) as page:
        links = re.findall(rf'href="([^"]*/{VOICE_SDIST})#sha256=([0-9a-f]+)"', page.read().decode())
    if not links:
        raise RuntimeError(f"{VOICE_SDIST} is not on {VOICE_INDEX}")
    with urllib.request.urlopen(links[0][0], timeout=120) as response:
        archive = response.read()
    if hashlib.sha256(archive).hexdigest() != VOICE_SDIST_SHA256:
        raise RuntimeError(f"{VOICE_SDIST} does not match its pinned SHA-256")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        member = tar.extractfile(VOICE_MEMBER)
        if member is None:
            raise RuntimeError(f"{VOICE_MEMBER} is missing from {VOICE_SDIST}")
        target.write_bytes(member.read())
    return target


def synthesise(text: str, htsvoice: Path, out: Path) -> None:
    """Open JTalk → WAV → Ogg Opus (speech at 24 kbit/s: a few KB a screen)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src, wav = Path(tmp) / "text.txt", Path(tmp) / "speech.wav"
        src.write_text(text, encoding="utf-8")
        subprocess.run(
            ["open_jtalk", "-x", str(DICTIONARY), "-m", str(htsvoice), "-r", "0.9", "-ow", str(wav), str(src)],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            ["opusenc", "--quiet", "--speech", "--bitrate", "24", str(wav), str(out)], check=True, capture_output=True
        )


def build(cache: Path) -> Iterator[tuple[str, str, bool]]:
    """Make every screen's audio whose words changed; yield (voice, key, made)."""
    for tool in ("open_jtalk", "opusenc"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is missing: run scripts/install.sh (it installs open-jtalk and opus-tools)")
    htsvoice = fetch_voice(cache)
    manifest_path = VOICE_DIR / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    for voice in VOICES:
        for key in screen_keys():
            text = spoken_text(key, voice)
            digest = hashlib.sha256(text.encode()).hexdigest()
            entry = f"{voice}/{key}"
            made = manifest.get(entry) != digest or not audio_path(voice, key).exists()
            if made:
                synthesise(text, htsvoice, audio_path(voice, key))
                manifest[entry] = digest
                manifest_path.parent.mkdir(parents=True, exist_ok=True)
                manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
            yield voice, key, made
