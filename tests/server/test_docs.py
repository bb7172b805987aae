"""/docs renders in a real browser with every request to the outside blocked: Swagger UI comes
from the relay's own copy, not a CDN (SPEC 15)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ..conftest import RelayFactory


async def test_docs_render_without_the_internet(relay_factory: RelayFactory, browser: Any) -> None:
    async with relay_factory() as relay:
        context = await browser.new_context()
        outside: list[str] = []

        async def only_local(route: object) -> None:
            url = route.request.url  # type: ignore[attr-defined]
            if urlsplit(url).hostname in ("127.0.0.1", "localhost"):
                await route.continue_()  # type: ignore[attr-defined]
            else:
                outside.append(url)
                await route.abort()  # type: ignore[attr-defined]

        await context.route("**/*", only_local)
        try:
            page = await context.new_page()
            await page.goto(relay.url + "/docs")
            await page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
            title = await page.text_content(".swagger-ui .info .title", timeout=15000)
            assert title is not None and "foundry-relay" in title
            operations = await page.locator(".opblock").count()
            assert operations > 100  # every route of the table, and the relay's own
        finally:
            await context.close()
        assert outside == []
