"""Where the kiosk's own files are, in a checkout and in an installed wheel alike.

The repository keeps ``templates/``, ``static/`` (with ``static/voice/``) and ``config/`` at its
top level. A wheel carries copies of them inside the package as ``kiosk/_assets/`` (setup.py's
build step puts them there), so an installed kiosk never looks outside site-packages for them.
The translations live in the package itself (``kiosk/translations*/``) in both cases.

The default instance folder (``instance_path``) is ``instance/`` at the top of a checkout; an
installed kiosk never writes into site-packages and defaults to ``$XDG_STATE_HOME/madoguchi-kiosk``
(``~/.local/state/madoguchi-kiosk`` when XDG_STATE_HOME is unset). A config file's
``instance_path`` overrides both.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLED = PACKAGE_DIR / "_assets"
_CHECKOUT = PACKAGE_DIR.parent

# An installed wheel has kiosk/_assets/; a checkout (editable install included) has none.
INSTALLED = (_BUNDLED / "templates").is_dir()
ASSETS_ROOT = _BUNDLED if INSTALLED else _CHECKOUT

TEMPLATES_DIR = ASSETS_ROOT / "templates"
STATIC_DIR = ASSETS_ROOT / "static"
VOICE_DIR = STATIC_DIR / "voice"
CONFIG_DIR = ASSETS_ROOT / "config"
RESIDENTS_FILE = CONFIG_DIR / "residents.toml"
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"


def default_instance_path() -> Path:
    """The instance folder when the config names none (see the module's docstring)."""
    if not INSTALLED:
        return _CHECKOUT / "instance"
    state = os.environ.get("XDG_STATE_HOME", "")
    # The XDG spec: a relative XDG_STATE_HOME is invalid and ignored.
    base = Path(state) if state and os.path.isabs(state) else Path.home() / ".local" / "state"
    return base / "madoguchi-kiosk"
