"""A refused admin action, said in both dashboard languages.

Storage decides why an edit or a broadcast is refused; the dashboard shows it in the admin's
language and logs and tests read the English. Keeping both texts at the place of refusal means
no page ever translates storage's English after the fact.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One reason, in both dashboard languages (dates as officers read them)."""

    en: str
    id: str

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.id


class Refused(ValueError):
    """A refused action; ``text(lang)`` is shown on the page, ``str()`` is English for logs."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(p.en for p in problems))
        self.problems = problems

    def text(self, lang: str) -> str:
        return "; ".join(p.text(lang) for p in self.problems)
