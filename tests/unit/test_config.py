"""Config: one TOML file, validated at start, errors that name the key."""

from pathlib import Path

import pytest

from kiosk import settings as config

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "kiosk.example.toml"


def test_example_config_is_valid_and_documents_every_key():
    settings = config.load(EXAMPLE)
    assert settings.reader.startswith("SONY")
    text = EXAMPLE.read_text()
    for key in config.KEYS:
        assert f"\n{key} = " in text or f"\n[{key}]\n" in text, key
    assert settings.claim.categories[0].id == "newly_registered"


@pytest.mark.parametrize(
    "toml, message",
    [
        ('reader = "x"\nreaderr = "y"\n', "unknown key 'readerr'"),
        ('reader = "x"\nnew_card_window_days = "90"\n', "key 'new_card_window_days' must be a int"),
        ('terminal_id = "t"\n', "key 'reader' is required"),
        ('reader = "x"\nca_certs = [1]\n', "key 'ca_certs'"),
        ("reader = \n", "not valid TOML"),
        ('reader = "x"\nlog_level = "LOUD"\n', "key 'log_level' must be DEBUG, INFO, WARNING or ERROR"),
        ('reader = "x"\ncounter_name_by_language = { xx = "y" }\n', "key 'counter_name_by_language' has 'xx'"),
        ('reader = "x"\ncounter_hours_by_language = "y"\n', "key 'counter_hours_by_language' must be a table"),
        ('reader = "x"\n[claim]\nterminal_purchase_yen = "a"\n', "key 'claim.terminal_purchase_yen' must be"),
        ('reader = "x"\n[[claim.categories]]\nid = "a"\nlabel_ja = "b"\n', "claim.categories\\[0\\]' needs"),
        ('reader = "x"\nvenue_peers = ["http://10.0.0.2/staff/"]\nvenue_token = "0123456789abcdef"\n',
         "key 'venue_peers' must list https:// URLs"),
        ('reader = "x"\nvenue_peers = ["https://k2.local/staff/"]\nvenue_token = "short"\n',
         "key 'venue_token' must be at least 16 characters"),
        ('reader = "x"\nstaff_port = 8080\n', "key 'staff_port' must differ from 'resident_port'"),
        ('reader = "x"\nstaff_host = "0.0.0.0"\n', "key 'staff_host' must be 127.0.0.1 outside demo"),
        ('reader = "x"\nstaff_long_polls = 16\n', "key 'staff_long_polls' must be 1 to 8"),
        ('reader = "x"\nresident_port = 70000\n', "key 'resident_port' must be a port number"),
    ],
)
def test_bad_config_names_the_key(tmp_path, toml, message):
    path = tmp_path / "kiosk.toml"
    path.write_text(toml)
    with pytest.raises(config.ConfigError, match=message):
        config.load(path)


def test_serve_with_bad_config_exits_nonzero_with_one_line(tmp_path, cli):
    path = tmp_path / "kiosk.toml"
    path.write_text('reader = "x"\nvenu = "typo"\n')
    result = cli("serve", "--config", path)
    assert result.exit_code != 0
    assert result.stderr.strip().splitlines() == [f"kiosk: {path}: unknown key 'venu'"]


def test_an_unwritable_instance_folder_is_one_line_naming_the_key(tmp_path, cli):
    config = tmp_path / "kiosk.toml"
    config.write_text('reader = "X"\ninstance_path = "/etc/hostname/instance"\n'  # under a file
                      'gateway_url = "https://registration.invalid/"\n')
    done = cli("serve", "--config", config)
    assert done.exit_code != 0
    (line,) = done.stderr.strip().splitlines()
    assert "instance_path" in line and "cannot be written" in line and "make it writable" in line


def test_settings_are_typed_attributes_with_overrides_over_the_file(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('reader = "x"\nerror_return_seconds = 7\nca_certs = ["ca.pem"]\n')
    settings = config.load(path, {"venue": "本庁舎"})
    assert (settings.error_return_seconds, settings.venue) == (7, "本庁舎")
    assert settings.card_reminder_seconds == config.Settings().card_reminder_seconds
    assert settings.ca_certs == (str(tmp_path / "ca.pem"),)  # relative to the config file
    with pytest.raises(AttributeError):
        settings.venue = "elsewhere"  # type: ignore[misc]  # read once at start, never changed


def test_log_lines_are_one_line_with_level_and_logger(monkeypatch):
    import io
    import logging

    from kiosk.logging_setup import configure_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    out = io.StringIO()
    try:
        configure_logging("INFO", out)
        logging.getLogger("kiosk.visit").info("visit finished outcome=%s", "registered")
        logging.getLogger("kiosk.visit").debug("not at INFO")
        monkeypatch.setenv("JOURNAL_STREAM", "8:1234")
        configure_logging("WARNING", out)
        logging.getLogger("kiosk.gateway").warning("two\nlines")
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    assert out.getvalue().splitlines() == [
        "INFO kiosk.visit: visit finished outcome=registered",
        "<4>WARNING kiosk.gateway: two | lines",
    ]
