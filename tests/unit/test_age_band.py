"""The age band for the statistics, computed from a birth date that is then dropped."""

import datetime as dt

import pytest

from kiosk.visit.registration import age_band

TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    "birth, band",
    [
        (dt.date(1951, 11, 23), "75+"),  # 75 today
        (dt.date(1951, 11, 24), "65-74"),  # 75 tomorrow
        (dt.date(1961, 11, 23), "65-74"),
        (dt.date(1961, 11, 24), "under_65"),
        (dt.date(1930, 2, 28), "75+"),
    ],
)
def test_age_band_boundaries(birth, band):
    assert age_band(birth, TODAY) == band


def test_born_on_29_february():
    assert age_band(dt.date(1952, 2, 29), dt.date(2027, 2, 28)) == "65-74"
    assert age_band(dt.date(1952, 2, 29), dt.date(2027, 3, 1)) == "75+"
