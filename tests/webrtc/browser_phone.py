"""Plivo's browser SDK in a real headless Chromium (Debian's ``chromium``, driven by Playwright),
on a test page the test serves itself (``page/``) with a Content-Security-Policy whose
``connect-src`` lets the SDK reach only Switchboard's ``/signalling``: its requests to Plivo's
stats and log hosts are stopped in the browser, and any other request that gets past the page is
aborted and recorded here (``left``)."""

import json
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
HERE = Path(__file__).resolve().parent
SDK = HERE / "browser" / "node_modules" / "plivo-browser-sdk" / "dist" / "plivobrowsersdk.js"
ORIGIN = "http://localhost:8719"  # never listened on: Playwright answers for it (localhost is a secure context)


def content_security_policy(signalling: str) -> str:
    return (f"default-src 'none'; script-src 'self'; connect-src {signalling}; media-src 'self' blob: mediastream:; "
            "img-src 'self' data:; style-src 'self' 'unsafe-inline'")


def launch(playwright: Any, microphone: Path | None = None) -> Any:
    if not Path(CHROMIUM).exists() or not SDK.exists():
        missing = CHROMIUM if not Path(CHROMIUM).exists() else SDK
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} is missing: `make install-test` installs it")
        pytest.skip(f"{missing} is missing: `make install-test` installs it")
    args = ["--no-sandbox", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            "--autoplay-policy=no-user-gesture-required",
            # the page is answered by Playwright, not loaded from loopback: let it reach the loopback server
            "--disable-features=LocalNetworkAccessChecks"]
    if microphone is not None:
        args.append(f"--use-file-for-fake-audio-capture={microphone}")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=args)


class BrowserPhone:
    def __init__(self, browser: Any, base_url: str, codecs: str = "OPUS,PCMU"):
        self.signalling = base_url.replace("http://", "ws://") + "/signalling"
        self.context = browser.new_context(permissions=["microphone"])
        self.page = self.context.new_page()
        self.left: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda message: self.console.append(message.text))
        self.page.route("**/*", self._serve)
        self.page.goto(f"{ORIGIN}/phone.html?ws={quote(self.signalling)}&codecs={codecs}&debug={os.environ.get('PLIVO_SDK_DEBUG', 'ERROR')}")
        self.page.wait_for_function("() => window.phone !== undefined")

    def _serve(self, route: Any) -> None:
        url = urlsplit(route.request.url)
        if f"{url.scheme}://{url.netloc}" != ORIGIN:
            self.left.append(route.request.url)
            route.abort()
            return
        name = url.path.lstrip("/")
        path = SDK if name == "plivobrowsersdk.js" else HERE / "page" / name
        if not path.is_file():
            route.fulfill(status=404, body="")
            return
        kind = "text/html" if name.endswith(".html") else "text/javascript"
        route.fulfill(status=200, body=path.read_bytes(), content_type=kind,
                      headers={"Content-Security-Policy": content_security_policy(self.signalling)})

    def run(self, script: str, *args: Any) -> Any:
        return self.page.evaluate(script, *args) if args else self.page.evaluate(script)

    def events(self, name: str) -> list[Any]:
        return [detail for event, detail in self.page.evaluate("() => window.events") if event == name]

    def wait_for(self, name: str, seconds: float = 15.0, count: int = 1) -> list[Any]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = self.events(name)
            if len(found) >= count:
                return found
            self.page.wait_for_timeout(50)
        self._dump()
        raise AssertionError(f"no {name} within {seconds} s; events: {json.dumps(self.page.evaluate('() => window.events'))[:3000]}"
                             f"\nerrors: {self.errors}\nconsole: {[line for line in self.console if 'cdn.plivo' not in line][-30:]}")

    def _dump(self) -> None:
        """With ``PLIVO_SDK_DEBUG=ALL PLIVO_SDK_DEBUG_LOG=file``, the SDK's console goes to ``file``."""
        if os.environ.get("PLIVO_SDK_DEBUG_LOG"):
            with open(os.environ["PLIVO_SDK_DEBUG_LOG"], "a") as log:
                log.write("\n".join(self.console) + "\n")

    def close(self) -> None:
        self._dump()
        self.context.close()
