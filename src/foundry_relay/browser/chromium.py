"""Which Chromium the relay runs and with what flags: always the system's (Debian's
``chromium-headless-shell`` or ``chromium``), never Playwright's download."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..errors import LaunchError

HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell"
FULL_CHROMIUM = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")

# Playwright's own --disable-features list, repeated because a second --disable-features replaces
# it; plus the omnibox popups (an extra renderer per context in full Chromium) and the Local
# Network Access checks (a Foundry page on a public origin must reach a loopback relay).
DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync",
    "DestroyProfileOnBrowserClose",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "LensOverlay",
    "MediaRouter",
    "PaintHolding",
    "ThirdPartyStoragePartitioning",
    "AvoidCorsURLLoaderRestartOnRedirect",
    "OptimizationHints",
    "NetworkTimeServiceQuerying",
    "AimEnabled",
    "PreconnectToSearch",
    "WebUIOmniboxPopup",
    "WebUIOmniboxAimPopup",
    "WebUIOmniboxFullPopup",
    "LocalNetworkAccessChecks",
)


def find_chromium(override: str | None = None) -> str:
    """The Chromium binary: ``CHROME_PATH`` override, else headless shell, else full Chromium."""
    if override:
        if not Path(override).exists():
            raise LaunchError(f"CHROME_PATH {override} does not exist", stage="browser")
        return override
    candidates = [HEADLESS_SHELL, *FULL_CHROMIUM]
    for path in candidates:
        if Path(path).exists() and os.access(path, os.X_OK):
            return path
    found = shutil.which("chromium")
    if found:
        return found
    raise LaunchError(
        "no Chromium found: install Debian's chromium-headless-shell or chromium, or set"
        " CHROME_PATH",
        stage="browser",
    )


def chromium_args() -> list[str]:
    args = [
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-gpu",
        "--mute-audio",
        "--disable-features=" + ",".join(DISABLED_FEATURES),
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    return args
