"""The pure core: session lifecycle, handshake rules, forwarding rules, client registry.

Nothing here imports asyncio, Playwright or Starlette; the adapters above drive it.
"""
