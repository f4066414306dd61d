"""Packaging hook: the wheel carries the top-level templates/, static/ and config/ as kiosk/_assets/.

Those folders stay at the top of the repository; kiosk/resources.py finds them there in a
checkout (editable installs included) and in kiosk/_assets/ in an installed wheel. Everything
else about the package is declared in setup.cfg.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
ASSET_DIRS = ("templates", "static", "config")


class BuildPyWithAssets(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's own folders
        target = Path(self.build_lib) / "kiosk" / "_assets"
        shutil.rmtree(target, ignore_errors=True)  # no stale files from an earlier build
        for name in ASSET_DIRS:
            shutil.copytree(HERE / name, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithAssets})
