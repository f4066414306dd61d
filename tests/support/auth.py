"""Signing in and out of the staff and manager pages, as their forms post it (like flaskr's
AuthActions), so tests say *who* signs in and no test rewrites the login POST."""

from __future__ import annotations

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

STAFF_CODE, STAFF_PIN = "helper1", "246813"
MANAGER_NAME, MANAGER_PASSWORD = "boss", "correct horse battery"


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client
        self._area: str | None = None  # 'staff' or 'manager' after a successful sign-in

    def staff_login(self, code: str = STAFF_CODE, pin: str = STAFF_PIN) -> TestResponse:
        return self._login("staff", {"code": code, "pin": pin})

    def manager_login(self, name: str = MANAGER_NAME, password: str = MANAGER_PASSWORD) -> TestResponse:
        return self._login("manager", {"name": name, "password": password})

    def logout(self) -> TestResponse:
        """Sign out of whichever area the last successful sign-in opened (a helper's shift ends)."""
        assert self._area is not None, "nobody is signed in"
        response = self._client.post(f"/{self._area}/logout")
        self._area = None
        return response

    def _login(self, area: str, form: dict[str, str]) -> TestResponse:
        response = self._client.post(f"/{area}/login", data=form)
        if response.status_code == 302:  # a refused sign-in shows the form again (200 or 429)
            self._area = area
        return response
