"""The age-band consent screen (age_source = "card"): what is read, what it may cost, yes or no."""

from __future__ import annotations

import re

import pytest

from tests.support.waiting import wait_until


@pytest.fixture
def app(make_app):
    return make_app(age_source="card")


def main_text(html: str) -> str:
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).strip()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ja", ["生年月日", "75歳以上", "お名前とご住所は残しません", "もう一つの機能", "1回へります",
                "はい、読み取る", "いいえ、読み取らない"]),
        ("en", ["birth date", "75 or over", "name and address are not kept", "second part of the card",
                "one of its tries is used up", "Yes, read it", "No, skip"]),
    ],
)  # fmt: skip
def test_after_agreeing_the_resident_is_asked_before_the_card_is_read_for_the_age(
    client, demo, terminal, language, words
):
    client.post("/language", data={"language": language})
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent" and not terminal.snapshot()["busy"])
    html = client.post("/action", data={"action": "agree"}, follow_redirects=True).text
    assert 'data-step="age_consent"' in html
    text = main_text(html)
    assert all(w in text for w in words), text
    assert 'data-action="read_age"' in html and 'data-action="skip_age"' in html
    assert 'aria-current="step">2.' in html  # still the 'agree' step of the four
    assert demo.reader.card.pin_presentations("kenhojo") == 0 and demo.reader.card.pin_presentations("auth") == 0

    html = client.post("/action", data={"action": "skip_age"}, follow_redirects=True).text
    assert 'data-step="pin"' in html
