"""Foundry's message keys (``JOIN.ErrorInvalidPassword``, …) as sentences for the caller; the
key itself stays in the error's ``foundryMessage`` field."""

from __future__ import annotations

FOUNDRY_MESSAGES = {
    "JOIN.ErrorInvalidPassword": "the password is wrong for user {user}",
    "JOIN.ErrorUserDoesNotExist": "Foundry has no user {user} in this world",
    "JOIN.ErrorUserActive": "user {user} is already logged in to Foundry elsewhere",
    "JOIN.ErrorNoActiveWorld": "no world is running on the Foundry server",
    "JOIN.ErrorInvalidRequest": "Foundry refused the login request as malformed",
    "SETUP.ErrorAdminPassword": "the Foundry admin password is wrong",
}


def foundry_sentence(key: str, user: str) -> str:
    """A Foundry message key (``JOIN.ErrorInvalidPassword``) as a sentence."""
    for known, sentence in FOUNDRY_MESSAGES.items():
        if known in key:
            return sentence.format(user=repr(user))
    return f"Foundry answered {key!r}"
