"""提法 rules over any text: outdated political phrases that editors list in the 提法 sheet."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from .problems import WARNING, Problem


@dataclass(frozen=True)
class PhraseRule:
    pattern: str
    why: str
    suggestion: str
    valid_until: dt.date | None = None  # text generated after this date is flagged; None: always
    regex: bool = False
    row: int = 0

    def in_force(self, today: dt.date) -> bool:
        return self.valid_until is None or today > self.valid_until


@dataclass(frozen=True)
class PhraseHit:
    rule: PhraseRule
    start: int
    end: int
    found: str

    @property
    def message(self) -> str:
        text = f"过时提法「{self.found}」：{self.rule.why}"
        if self.rule.suggestion:
            text += f"；建议改为「{self.rule.suggestion}」"
        return text

    def to_dict(self) -> dict:
        return {"found": self.found, "start": self.start, "end": self.end, "why": self.rule.why,
                "suggestion": self.rule.suggestion, "message": self.message}


@dataclass(frozen=True, eq=False)  # hashed by identity: compile_rules hands out one per rule set
class RuleMatcher:
    """All rules folded into one regular expression: one pass over a text, however many rules."""

    rules: tuple[PhraseRule, ...]
    pattern: re.Pattern | None


@lru_cache(maxsize=16)
def _compile(rules: tuple[PhraseRule, ...]) -> RuleMatcher:
    parts = [f"(?P<r{i}>{rule.pattern if rule.regex else re.escape(rule.pattern)})" for i, rule in enumerate(rules)]
    return RuleMatcher(tuple(rules), re.compile("|".join(parts)) if parts else None)


def compile_rules(rules) -> RuleMatcher:
    """One matcher per distinct rule set (cached: a library's rules are compiled once)."""
    return _compile(tuple(rules))


@lru_cache(maxsize=16)
def _in_force(matcher: RuleMatcher, today: dt.date) -> RuleMatcher:
    """The matcher of the rules in force on a day (one per rule set and day: not per text)."""
    return _compile(tuple(rule for rule in matcher.rules if rule.in_force(today)))


def find_outdated(text: str, matcher: RuleMatcher, today: dt.date | None = None) -> list[PhraseHit]:
    """Every rule in force that matches the text, in order of appearance. Only rules in force are
    tried, so a rule not yet in force never hides another one matching the same words (十五五 in
    “十五五”开局)."""
    if matcher.pattern is None or not text:
        return []
    today = today or dt.date.today()
    active = _in_force(matcher, today)
    if active.pattern is None:
        return []
    return [PhraseHit(active.rules[int(match.lastgroup[1:])], match.start(), match.end(), match.group())
            for match in active.pattern.finditer(text)]


def lint_text(text: str, rules, today: dt.date | None = None) -> list[Problem]:
    """The 提法 warnings of a text, as problems (used for generated speeches and pasted documents)."""
    matcher = rules if isinstance(rules, RuleMatcher) else compile_rules(rules)
    return [Problem(hit.message, WARNING, field="text") for hit in find_outdated(text, matcher, today)]
