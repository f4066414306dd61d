"""Spoken guidance: what each resident screen says, and the audio files that say it.

The audio is made offline, at install time, by `kiosk voice build`, and encoded to Ogg Opus;
nothing is synthesised at run time. Japanese and やさしい日本語: Debian's Open JTalk with its
naist-jdic dictionary and the 'Mei' HTS voice (MMDAgent, CC BY 3.0) taken from the pyopenjtalk
source package. English, Chinese, Korean, Vietnamese and Portuguese: Debian's espeak-ng, chosen
because it is the one packaged engine that ships a voice for all five (a few MB, no model to
download: piper-tts and the other neural engines on PyPI fetch their voices at run time, which
a kiosk must not and this project cannot). It sounds robotic, so it speaks slowly and in short
sentences; a resident still hears their own language rather than Japanese.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask_babel import force_locale, ngettext
from flask_babel import lazy_gettext as _l

from kiosk import resources
from kiosk.i18n.languages import LANGUAGES, VOICES, Language
from kiosk.i18n.messages import MESSAGES
from kiosk.visit.flow import Reason

VOICE_DIR = resources.VOICE_DIR
DICTIONARY = Path("/var/lib/mecab/dic/open-jtalk/naist-jdic")
DEFAULT_INDEX = "https://pypi.org/simple/"
VOICE_PACKAGE, VOICE_VERSION = "pyopenjtalk", "0.4.1"
VOICE_SDIST = f"{VOICE_PACKAGE}-{VOICE_VERSION}.tar.gz"
VOICE_SDIST_SHA256 = "d5ada46f7fc2b52c1c79c273eb9668ff6ad7ab276a8db9d8be119ef93440f0dc"
# The voice file itself, checked on every use: a cached copy is trusted no more than the package.
HTSVOICE_SHA256 = "f3be49a6838904a6c218790b64e07c3e83c1886e995dca284b413caab19184de"
VOICE_MEMBER = f"{VOICE_PACKAGE}-{VOICE_VERSION}/pyopenjtalk/htsvoice/mei_normal.htsvoice"
# espeak-ng's words a minute: its default 175 is too fast for an 80-year-old in a second language.
ESPEAK_SPEED = 135
# Dialogs speak when they open, whatever the screen behind them says.
DIALOG_KEYS = ("help", "still-there", "display")


ENTERED_KEY = "keypad-entered"
ONE_TRY_LEFT_WRONG_KEY = "error-one_try_left-wrong"
LAST_TRY = _l(
    "This is the last try. If the PIN is wrong, it will be locked. Only the city office counter can unlock it."
)
# The counter's name, hours and the helpline are settings, read at run time: the voice, made at
# install time, cannot say them, so it says where to read them.
HOURS_ON_SCREEN = _l("The counter's hours are on the screen.")
HOURS_AND_PHONE_ON_SCREEN = _l("The phone number and the counter's hours are on the screen.")
ELSEWHERE = _l(
    "You can also register later at a clinic's face recognition card reader, a Seven Bank ATM, "
    "or with the Mynaportal app."
)
ENTER_CALLS_HELPER = _l("To call the helper, press Enter.")
KEYPAD_HELP = _l(
    "With the number keys: Enter goes on, minus stops, plus repeats the voice, dot deletes a digit, slash opens help."
)


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
    if step == "error" and reason == "one_try_left" and state.get("pin_wrong"):
        return ONE_TRY_LEFT_WRONG_KEY  # the screen first says the PIN was wrong
    if step in ("done", "error"):
        return f"{step}-{reason}"
    return step


def _texts(japanese: bool = True) -> dict[str, list]:
    """What each screen says, in the catalog's words (call under a locale)."""
    texts: dict[str, list] = {
        # The first screen also tells a resident who cannot see it how the number keys work.
        "idle": [_l("Please place your My Number card on the reader"),
                 _l("Place it face up. The screen will move on by itself."), KEYPAD_HELP],
        "idle-reading": [_l("Reading your card"), _l("Please leave the card on the reader.")],
        "idle-no-reader": [_l("The card reader is not working"), _l("Please call the helper.")],
        "consent": [_l("Use this card as your health insurance card?"),
                    _l("At clinics and pharmacies, you show this card instead of your insurance card."),
                    _l("Registering is free. You need your 4-digit PIN."),
                    _l("You can stop at any time. Nothing is registered until the end.")],
        "age_consent": [_l("May we also read your birth date from the card?"),
                        _l("Only to count how many people aged 75 or over registered. "
                           "Your name and address are not kept."),
                        _l("Your 4-digit PIN is also tried on a second part of the card. "
                           "If that part has a different PIN, one of its tries is used up."),
                        _l("If you say no, registering works just the same.")],
        "registering": [_l("Registering"), _l("Please wait, and leave the card on the reader.")],
        # Played by the page once the fourth digit is typed (never the digits themselves).
        ENTERED_KEY: [_l("4 digits entered. Press Enter.")],
        # The help dialog's own words; the counter and helpline are settings, shown, not spoken.
        "help": [_l("Help"), _l("The helper beside you can help at any time. Helpers will never ask for your PIN."),
                 HOURS_AND_PHONE_ON_SCREEN, ELSEWHERE],
        "still-there": [_l("Are you still there?"),
                        _l("The screen will go back to the start soon. Touch the button to continue.")],
        # The display options, as the dialog lists them (furigana only on the Japanese screens).
        "display": [_l("Easier to see"), _l("Larger text"), _l("High contrast"),
                    *([_l("Furigana")] if japanese else [])],
    }
    for tries in (1, 2, 3):
        texts[f"pin-{tries}"] = [
            _l("Enter your 4-digit PIN"),
            ngettext("You can try %(num)d more time.", "You can try %(num)d more times.", tries),
        ]
    texts["pin-1"].append(LAST_TRY)
    texts["pin-2"].append(_l("If you are not sure, please ask the helper first."))
    for reason in (Reason.WRONG_PIN, Reason.TRIES_CHANGED):
        m = MESSAGES[reason]
        # What the PIN screen shows: the title and why, never a helper call it does not show.
        texts[f"pin-{reason.value}"] = [m.title, m.body]
    # A wrong PIN, in the screen's order: wrong, then the tries left. Back on the PIN screen
    # that is always 2 (of the card's 3): at 1 the flow stops on the one-try-left screen.
    texts["pin-wrong_pin"][1:1] = [ngettext("You can try %(num)d more time.", "You can try %(num)d more times.", 2)]
    one_try = MESSAGES[Reason.ONE_TRY_LEFT]
    texts[ONE_TRY_LEFT_WRONG_KEY] = [
        MESSAGES[Reason.WRONG_PIN].title,
        ngettext("You can try %(num)d more time.", "You can try %(num)d more times.", 1),
        one_try.body,
        one_try.next_step,
    ]
    for reason, m in MESSAGES.items():
        step = "done" if reason in (Reason.REGISTERED, Reason.ALREADY_REGISTERED) else "error"
        texts[f"{step}-{reason.value}"] = [m.title, m.body, m.next_step]
        if reason == Reason.GATEWAY_UNAVAILABLE:  # the screen shows when and where, from settings
            texts[f"{step}-{reason.value}"] += [HOURS_ON_SCREEN, ELSEWHERE]
        if step == "error" and m.gentle:  # the resident stopped: the screen then asks for the card
            texts[f"{step}-{reason.value}"].append(_l("Please take your card."))
        if step == "error" and reason not in (Reason.ONE_TRY_LEFT, Reason.CARD_REMOVED):
            # These screens offer 'call a helper' (Enter, last: a keypad instruction) while the card is in; one try left
            # calls at once, and a card taken out leaves no card in to wait with.
            texts[f"{step}-{reason.value}"].append(ENTER_CALLS_HELPER)
    return texts


def screen_keys() -> list[str]:
    """Every screen's and dialog's key."""
    return sorted(_texts())


def voice_language(voice: str) -> Language:
    return next(lang for lang in LANGUAGES.values() if lang.voice == voice)


def spoken_text(key: str, voice: str) -> str:
    """The sentences the engine reads for ``key`` in ``voice`` (needs an app context)."""
    lang = voice_language(voice)
    with force_locale(lang.locale):
        parts = [str(part).strip() for part in _texts(japanese=lang.espeak is None)[key]]
    if lang.espeak is None:
        text = "。".join(part.rstrip("。.") for part in parts) + "。"
        # Readings written in brackets for the eye, 保険証(ほけんしょう), are not read twice.
        return re.sub(r"[（(][^）)]*[）)]", "", text)
    # Each line its own sentence, so espeak-ng pauses between them; a question keeps its '?'.
    stop = "。" if lang.code == "zh" else "."
    return " ".join(part if part.endswith(("?", "!", "。", "？", "！", ".")) else part + stop for part in parts)


def manifest_digest(key: str, voice: str) -> str:
    """What the manifest keeps for a file: its words and, for espeak-ng, the voice and speed that
    spoke them, so that changing either remakes the file (needs an app context)."""
    text = spoken_text(key, voice)
    engine = voice_language(voice).espeak
    if engine is not None:
        text = f"espeak-ng -v {engine} -s {ESPEAK_SPEED}\n{text}"
    return hashlib.sha256(text.encode()).hexdigest()


def audio_path(voice: str, key: str) -> Path:
    return VOICE_DIR / voice / f"{key}.ogg"


def audio_url(language_code: str, key: str) -> str | None:
    """The static URL of the screen's (or dialog's) audio in the resident's language, else in Japanese."""
    voice = LANGUAGES[language_code].voice
    for candidate in (voice, "ja"):
        if audio_path(candidate, key).exists():
            return f"voice/{candidate}/{key}.ogg"
    return None


# -- building the files (install time) ----------------------------------------------------
class VoiceSourceError(RuntimeError):
    """The HTS voice could not be had, or what came is not the pinned source package."""


def index_url() -> str:
    """The package index pip on this machine uses (PIP_INDEX_URL, pip.conf), else PyPI."""
    try:
        listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True,
                                timeout=60, check=True).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return DEFAULT_INDEX
    found = dict(re.findall(r"^(\S+?)='(.*)'$", listed, re.MULTILINE))
    for key in (":env:.index-url", "download.index-url", "global.index-url"):
        if found.get(key, "").strip():
            return found[key].split()[0]
    return DEFAULT_INDEX


def download_sdist(index: str) -> bytes:
    """The pinned source package, found by name and version on the index's JSON page (PEP 691)."""
    page_url = f"{index.rstrip('/')}/{VOICE_PACKAGE}/"
    request = urllib.request.Request(page_url, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as page:
            if page.headers.get_content_type() != "application/vnd.pypi.simple.v1+json":
                raise VoiceSourceError(f"{page_url} does not answer with the JSON index (PEP 691)")
            files = json.load(page).get("files", [])
        url = next((f["url"] for f in files if f.get("filename") == VOICE_SDIST), None)
        if url is None:
            raise VoiceSourceError(f"{VOICE_PACKAGE} {VOICE_VERSION} has no source package on {index}")
        with urllib.request.urlopen(urllib.parse.urljoin(page_url, url), timeout=120) as response:
            return response.read()
    except (OSError, ValueError) as exc:  # URLError is an OSError; a broken JSON page a ValueError
        raise VoiceSourceError(f"cannot fetch {VOICE_SDIST} from {index}: {exc}") from exc


def voice_from_sdist(archive: bytes, source: str) -> bytes:
    """The HTS voice inside ``archive``, once the archive is proved to be the pinned one."""
    digest = hashlib.sha256(archive).hexdigest()
    if digest != VOICE_SDIST_SHA256:
        # Nothing from an unproved archive is opened: the check comes before tarfile sees it.
        raise VoiceSourceError(
            f"refused {source}: its SHA-256 is {digest}, expected {VOICE_SDIST_SHA256} ({VOICE_SDIST})"
        )
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        member = tar.extractfile(VOICE_MEMBER)  # this one member only, read into memory
        if member is None:
            raise VoiceSourceError(f"{VOICE_MEMBER} is missing from {VOICE_SDIST}")
        return member.read()


def fetch_voice(cache: Path, sdist: Path | None = None) -> Path:
    """The HTS voice file, taken once from the pyopenjtalk source package (``sdist`` if given,
    else the package index) and kept in ``cache``; the package is pinned by its SHA-256."""
    target = cache / "mei_normal.htsvoice"
    if target.exists():
        if hashlib.sha256(target.read_bytes()).hexdigest() == HTSVOICE_SHA256:
            return target
        target.unlink()  # altered or damaged: fetched again and checked from the package
    if sdist is not None:
        archive, source = sdist.read_bytes(), str(sdist)
    else:
        index = index_url()
        archive, source = download_sdist(index), f"{VOICE_SDIST} from {index}"
    htsvoice = voice_from_sdist(archive, source)
    if hashlib.sha256(htsvoice).hexdigest() != HTSVOICE_SHA256:
        raise VoiceSourceError(f"refused the HTS voice in {source}: not the pinned file ({HTSVOICE_SHA256})")
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(htsvoice)
    partial.replace(target)  # an interrupted write never passes for a cached voice
    return target


def synthesise(text: str, engine: str | Path, out: Path) -> None:
    """Open JTalk (``engine`` is the HTS voice file) or espeak-ng (``engine`` is its voice name)
    → WAV → Ogg Opus (speech at 24 kbit/s: a few KB a screen)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src, wav = Path(tmp) / "text.txt", Path(tmp) / "speech.wav"
        src.write_text(text, encoding="utf-8")
        if isinstance(engine, Path):
            command = ["open_jtalk", "-x", str(DICTIONARY), "-m", str(engine), "-r", "0.9", "-ow", str(wav), str(src)]
        else:  # -b 1: the text file is UTF-8
            command = ["espeak-ng", "-v", engine, "-s", str(ESPEAK_SPEED), "-b", "1", "-w", str(wav), "-f", str(src)]
        subprocess.run(command, check=True, capture_output=True)
        subprocess.run(
            ["opusenc", "--quiet", "--speech", "--bitrate", "24", str(wav), str(out)], check=True, capture_output=True
        )


def build(cache: Path, sdist: Path | None = None) -> Iterator[tuple[str, str, bool]]:
    """Make every screen's audio whose words changed, in every language; yield (voice, key, made)."""
    for tool in ("open_jtalk", "espeak-ng", "opusenc"):
        if shutil.which(tool) is None:
            raise RuntimeError(
                f"{tool} is missing: run scripts/install.sh test (it installs open-jtalk, espeak-ng and opus-tools)"
            )
    # The HTS voice is fetched only when a Japanese file is to be made; a given sdist is proved first.
    htsvoice = fetch_voice(cache, sdist) if sdist is not None else None
    manifest_path = VOICE_DIR / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    for voice in VOICES:
        for key in screen_keys():
            text, digest = spoken_text(key, voice), manifest_digest(key, voice)
            entry = f"{voice}/{key}"
            made = manifest.get(entry) != digest or not audio_path(voice, key).exists()
            if made:
                engine = voice_language(voice).espeak
                if engine is None and htsvoice is None:
                    htsvoice = fetch_voice(cache, sdist)
                synthesise(text, engine or htsvoice, audio_path(voice, key))
                manifest[entry] = digest
                manifest_path.parent.mkdir(parents=True, exist_ok=True)
                manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
            yield voice, key, made
