"""Browser tests: Playwright for Python driving Debian's Chromium (`executable_path`).

Playwright's own browser download cannot be reached here, so it is never attempted: the
browser is the one at $ESCUCHA_CHROMIUM (default /usr/bin/chromium, the Debian package that
.ci/run installs). Without it the tests skip, or fail when ESCUCHA_REQUIRE_BROWSER=1 (CI).

Screenshots go under the run's output, $ESCUCHA_TEST_OUTPUT (default <repo>/test-output):
`shot(page, name)` writes screenshots/<module>.<test>/<name>.png, and a test that fails
with a page open leaves failure.png there.

`pytest -m browser` runs these tests alone; `-m "not browser"` leaves them out.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

# Before Playwright is imported: it must never fetch a browser of its own.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

from playwright.sync_api import (
    Browser,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)

from tests.web_site import PASSWORD

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Known to work as root on this closed network: no sandbox (root), no GPU, nothing that
# phones home (QUIC, component updates, sync, background fetches), no first-run dialogs;
# shared memory in /tmp, since a container's /dev/shm is often too small for Chromium.
# Playwright gives every launch a fresh, temporary user data dir.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
LOCALE = "es-ES"
TIMEZONE = "Europe/Madrid"
TIMEOUT_MS = 10_000

Shot = Callable[[Page, str], Path]

_failed = pytest.StashKey[bool]()
_launched: dict[str, str] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "browser: drives Chromium with Playwright (skips without it; "
        "ESCUCHA_REQUIRE_BROWSER=1 makes it fail instead)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_failed] = report.failed
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _launched:
        terminalreporter.write_line(
            f"chromium {_launched['version']} ({_launched['executable']}) "
            f"launched in {_launched['seconds']} s; screenshots under {output_dir()}"
        )


def chromium_wanted() -> str:
    return os.environ.get("ESCUCHA_CHROMIUM") or DEFAULT_CHROMIUM


def chromium_executable() -> str | None:
    """The Chromium to launch: $ESCUCHA_CHROMIUM (a path, or a name on PATH) or Debian's."""
    found = shutil.which(chromium_wanted())
    return str(Path(found).absolute()) if found else None


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail when ESCUCHA_REQUIRE_BROWSER=1: CI must not pass by skipping."""
    if os.environ.get("ESCUCHA_REQUIRE_BROWSER") == "1":
        pytest.fail(f"Chromium is required (ESCUCHA_REQUIRE_BROWSER=1) but {reason}", pytrace=False)
    pytest.skip(f"no browser tests: {reason} (apt-get install chromium, or set ESCUCHA_CHROMIUM)")


def output_dir() -> Path:
    """The test run's output: $ESCUCHA_TEST_OUTPUT, or <repo>/test-output."""
    return Path(os.environ.get("ESCUCHA_TEST_OUTPUT") or REPO / "test-output").absolute()


def screenshot_dir(node: pytest.Item) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{node.path.stem}.{node.name}").strip("-")
    return output_dir() / "screenshots" / name


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium for the session; each test gets its own context (`page`)."""
    executable = chromium_executable()
    if executable is None:
        unavailable(f"there is no Chromium at {chromium_wanted()!r}")
    started = time.monotonic()
    try:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
        )
    except Exception as error:  # Playwright's Error: missing libraries, a crash at start
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        unavailable(f"{executable} did not start: {first}")
    seconds = f"{time.monotonic() - started:.2f}"
    _launched.update(version=browser.version, executable=executable, seconds=seconds)
    yield browser
    browser.close()


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Path:
    """This test's own screenshot directory, emptied: <output>/screenshots/<module>.<test>."""
    directory = screenshot_dir(request.node)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


@pytest.fixture
def shot(screenshots: Path) -> Shot:
    """`shot(page, name)` writes the page's viewport to <screenshots>/<name>.png, its path."""

    def take(page: Page, name: str) -> Path:
        path = screenshots / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return take


@pytest.fixture
def page(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh context (no cookies or storage from other tests): 1280×800, es-ES,
    Europe/Madrid, 10 s for every wait and navigation. A failing test leaves failure.png."""
    context = chromium.new_context(viewport=VIEWPORT, locale=LOCALE, timezone_id=TIMEZONE)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    opened = context.new_page()
    try:
        yield opened
        if request.node.stash.get(_failed, False) and not opened.is_closed():
            directory = screenshot_dir(request.node)
            directory.mkdir(parents=True, exist_ok=True)
            opened.screenshot(path=str(directory / "failure.png"))
    finally:
        context.close()


def sign_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    """Log in through the Spanish login form, as an agent does, and land on the inbox."""
    page.goto(f"{base}/login")
    page.get_by_label("Correo").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Entrar").click()
    expect(page).to_have_url(re.compile(r"/inbox"))
