"""A plain-HTTP client for one listener that keeps its cookie, as a browser tab does."""

from __future__ import annotations

import http.client
import re
import time
import urllib.parse
from dataclasses import dataclass


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    text: str
    seconds: float

    def csrf(self) -> str:
        return re.search(r'name="csrf-token" content="([^"]+)"', self.text).group(1)


class HttpClient:
    def __init__(self, address: str, timeout: float = 30) -> None:
        self.host, _, port = address.rpartition(":")
        self.port, self.timeout = int(port), timeout
        self.cookie = ""

    def request(self, method: str, path: str, form: dict | None = None) -> Reply:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
        if self.cookie:
            headers["Cookie"] = self.cookie
        started = time.perf_counter()
        try:
            connection.request(method, path, body=urllib.parse.urlencode(form) if form is not None else None,
                               headers=headers)  # fmt: skip
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        if response.getheader("Set-Cookie"):
            self.cookie = response.getheader("Set-Cookie").split(";")[0]
        return Reply(response.status, response.headers, text, time.perf_counter() - started)

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def sign_in_staff(self, code: str, pin: str) -> None:
        form = {"code": code, "pin": pin, "csrf_token": self.get("/staff/login").csrf()}
        assert self.request("POST", "/staff/login", form).status == 302
