"""foundry-relay: a self-hostable relay for Foundry VTT with headless sessions."""

__version__ = "0.1.0"
