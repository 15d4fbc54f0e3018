"""A canned response as a tenant writes it: a name agents call it by, a language, a text."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

NAME = r"^[a-z0-9][a-z0-9_-]{0,63}$"
VARIABLE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class CannedResponse(BaseModel, frozen=True):
    name: str = Field(pattern=NAME, description="how agents call it: 'retraso', 'reembolso'")
    language: str = Field(pattern=r"^[a-z]{2,3}$")
    text: str = Field(min_length=1, max_length=5000, description="with {variables}")

    @property
    def variables(self) -> list[str]:
        return variables(self.text)


def variables(text: str) -> list[str]:
    """The variables a text uses, in order of first use."""
    return list(dict.fromkeys(VARIABLE.findall(text)))
