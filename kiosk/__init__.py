"""Madoguchi Kiosk: register a My Number card as a health-insurance card at the counter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask_babel import Babel, get_locale
from flask_wtf.csrf import CSRFProtect

from kiosk import resources
from kiosk import settings as kiosk_config
from kiosk.web import security

__version__ = "0.1.0"

csrf = CSRFProtect()
babel = Babel()


# Which blueprints each listener serves (kiosk/serving.py): a page exists on one listener only.
# /healthz is on both: the kiosk's watchdog asks the resident port, the LAN asks through nginx.
RESIDENT = "resident"
STAFF = "staff"
EVERY_PAGE = "every page"


def create_app(
    settings: dict[str, Any] | kiosk_config.Settings | None = None, config_path: str | None = None, reader=None
) -> Flask:
    """Build the kiosk app from settings already loaded (the CLI), or from the config file with
    ``settings`` as overrides (tests pass them here).

    This app has every page, for the in-process test client and the CLI's app commands;
    `kiosk serve` serves it as two listeners (``listener_apps``). It only configures: the
    command that runs the app (or the test fixture) starts the card worker with
    ``app.extensions["kiosk.terminal"].start()``.
    """
    from kiosk import composition
    from kiosk.web.long_poll import LongPollGate
    from kiosk.web.metrics import KioskMetrics
    from kiosk.web.sessions import SessionRegistry
    from kiosk.web.throttle import Throttle

    if isinstance(settings, kiosk_config.Settings):
        values = settings
    else:
        values = kiosk_config.load(config_path, settings)
    composition.instance_folder(values, config_path or "config")
    parts = composition.build(values, reader)
    shared = {
        "kiosk.terminal": parts.terminal,
        "kiosk.demo": parts.demo,
        "kiosk.accounts": parts.accounts,
        "kiosk.slip": parts.slip,
        "kiosk.help": parts.help,
        "kiosk.venue": parts.venue,
        "kiosk.metrics": KioskMetrics(parts.terminal),  # one per process: counted once, served by both
        "kiosk.sessions": SessionRegistry(parts.accounts.sign_ins, values.manager_session_minutes),
        "kiosk.long_polls": LongPollGate(values.staff_long_polls),
        "kiosk.signin_throttle": Throttle(),  # one for every app over these parts
    }
    app = _app(values, shared, EVERY_PAGE)
    from kiosk.cli import register_app_commands

    register_app_commands(app)
    return app


def listener_apps(app: Flask) -> tuple[Flask, Flask]:
    """The resident app and the staff app that `kiosk serve` runs side by side: the same
    terminal, stores and sign-in records as ``app`` (and its config), each with only its pages."""
    shared = {key: value for key, value in app.extensions.items() if key.startswith("kiosk.")}
    apps = []
    for listener in (RESIDENT, STAFF):
        served = _app(app.config["KIOSK"], shared, listener)
        served.config.update(app.config)
        apps.append(served)
    return apps[0], apps[1]


def _app(values: kiosk_config.Settings, shared: dict[str, Any], listener: str) -> Flask:
    from kiosk import composition
    from kiosk.i18n.languages import LANGUAGES, language
    from kiosk.i18n.locale import current_language, select_locale
    from kiosk.web import demo, health, manager, metrics, resident, staff, venue_pages
    from kiosk.web.signin import s_

    app = Flask(
        __name__,
        instance_path=values.instance_path,
        template_folder=str(resources.TEMPLATES_DIR),
        static_folder=str(resources.STATIC_DIR),
    )
    app.config.from_mapping(
        SECRET_KEY=composition.secret_key(values),
        KIOSK=values,
        BABEL_DEFAULT_LOCALE=language(values.default_language).locale,
        BABEL_TRANSLATION_DIRECTORIES=str(resources.TRANSLATIONS_DIR),
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,  # residents take their time; the token dies with the session
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=values.manager_session_minutes),
        MAX_CONTENT_LENGTH=64 * 1024,  # no form here needs more; bigger bodies get 413
    )
    csrf.init_app(app)
    security.install(app)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["s_"] = s_
    app.jinja_env.globals["current_language"] = lambda: language(current_language())
    app.extensions.update(shared)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)  # the kiosk itself (loopback) or signed-in staff
    if listener in (RESIDENT, EVERY_PAGE):
        app.register_blueprint(resident.bp)
        if shared["kiosk.demo"] is not None:
            app.register_blueprint(demo.bp)
    if listener in (STAFF, EVERY_PAGE):
        app.register_blueprint(staff.bp)
        app.register_blueprint(venue_pages.bp)
        app.register_blueprint(manager.bp)
    return app
