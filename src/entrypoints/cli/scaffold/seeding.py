"""What a scaffolded context's seed hook draws for each field: believable values, repeatable.

`portico seed --<plural> N` makes N commands of Create<Agg> from the context's own random stream
(same --seed, same data; dates and times are relative to the run's clock). An optional field is
left out one time in five, its draw made first so that a money's amount and currency go together.
"""

from __future__ import annotations

import re
from pathlib import Path

from entrypoints.cli.scaffold.kinds import FieldCode

# Python expressions over `rng` (the context's random.Random), `index` (1, 2, ...) and `now`.
_DRAWS = {
    "str": 'f"{rng.choice(WORDS)} {rng.choice(WORDS)} {index}"',
    "text": "rng.choice(NOTES)",
    "int": "rng.randint(1, 500)",
    "decimal": "Decimal(rng.randint(0, 100_000)) / 100",
    "bool": "rng.random() < 0.5",
    "date": "(now + timedelta(days=rng.randint(-90, 90))).date()",
    # To the minute: what a person would have typed.
    "datetime": "(now + timedelta(minutes=rng.randint(-90 * 24 * 60, 90 * 24 * 60)))"
    ".replace(second=0, microsecond=0)",
    "uuid": "UUID(int=rng.getrandbits(128), version=4)",
}
_AMOUNT = 'f"{rng.randint(1, 499)}.{rng.choice(ENDINGS)}"'
# `portico seed`'s own flags: a context's count may not take their names.
_SEED_FLAGS = {"seed", "help"}


# The module constants the draws use, by what uses them.
_CONSTANTS = {
    "optional": ("GIVEN = 0.8  # how often an optional field is filled in",),
    "money": ('CURRENCY = "EUR"', 'ENDINGS = ("99", "95", "49", "00")'),
    "str": (
        "# fmt: off",
        "WORDS = (",
        '    "Amber", "Birch", "Cedar", "Coral", "Delta", "Ember", "Falcon", "Granite", "Harbor",',
        '    "Indigo", "Juniper", "Kestrel", "Linden", "Maple", "Meadow", "Nimbus", "Willow",',
        ")",
        "# fmt: on",
    ),
    "text": (
        "NOTES = (",
        '    "Checked and confirmed.",',
        '    "Waiting for a reply from the customer.",',
        '    "Follow up next week.",',
        '    "Imported from the previous system.",',
        '    "Urgent: please look at this first.",',
        ")",
    ),
}


def seed_constants(codes: list[FieldCode]) -> str:
    uses = {code.field.kind for code in codes}
    if any(code.field.optional for code in codes):
        uses.add("optional")
    return "\n".join(line for use, lines in _CONSTANTS.items() if use in uses for line in lines)


def seed_draws(codes: list[FieldCode]) -> list[str]:
    """Whether each optional field is given this time: drawn before the command is built."""
    return [f"{code.name}_given = rng.random() < GIVEN" for code in codes if code.field.optional]


def seed_arguments(codes: list[FieldCode]) -> list[str]:
    """Create<Agg>'s keyword arguments, one line each."""
    lines = []
    for code in codes:
        n, kind = code.name, code.field.kind
        if kind == "money":
            draws = [(f"{n}_amount", _AMOUNT), (f"{n}_currency", "CURRENCY")]
        elif kind == "enum":
            draws = [(n, f"rng.choice(list({code.enum}))")]
        else:
            draws = [(n, _DRAWS[kind])]
        for argument, draw in draws:
            value = f"{draw} if {n}_given else None" if code.field.optional else draw
            lines.append(f"{argument}={value},")
    return lines


def seed_flags(root: Path) -> set[str]:
    """The counts `portico seed` takes already (--users, --products, ...), and its own flags."""
    declared = re.compile(r'SeedSize\(\s*"([a-z_]+)"')
    found = {
        name
        for path in (root / "src" / "entrypoints").glob("*/seed.py")
        for name in declared.findall(path.read_text())
    }
    return found | _SEED_FLAGS
