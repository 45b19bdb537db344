"""An import-linter contract: bounded contexts import each other only through what they declare.

A context is a name N with an `entrypoints.N.module` (its Module declaration); its code is every
module with N as its second part (domain.N, application.N, adapters.N, entrypoints.N). An import
of a context's module from outside it (another context or the platform) is allowed only when
the imported module is `published` (the identity kernel every context authorises with), or the
pair matches a declared `port` ("importer -> imported"; `*` is one part, `**` any number).
Contexts are found, never listed, so deleting one needs no edit here.
"""

from __future__ import annotations

import re
from typing import Any

from importlinter import Contract, ContractCheck, fields, output


def _pattern(expression: str) -> re.Pattern[str]:
    parts = [
        ".+" if part == "**" else "[^.]+" if part == "*" else re.escape(part)
        for part in expression.split(".")
    ]
    return re.compile(r"\.".join(parts) + r"$")


class ContextsContract(Contract):
    type_name = "contexts"

    published = fields.ListField(subfield=fields.StringField(), required=False)
    ports = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        contexts = {
            module.split(".")[1]
            for module in graph.modules
            if re.fullmatch(r"entrypoints\.[a-z_]+\.module", module)
        }
        published = [_pattern(e) for e in self.published or []]
        ports = [
            (_pattern(importer.strip()), _pattern(imported.strip()))
            for importer, imported in (port.split("->") for port in self.ports or [])
        ]

        def context_of(module: str) -> str | None:
            parts = module.split(".")
            return parts[1] if len(parts) > 1 and parts[1] in contexts else None

        broken: list[str] = []
        for importer in sorted(graph.modules):
            own = context_of(importer)
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                other = context_of(imported)
                if other is None or other == own:
                    continue
                if any(p.match(imported) for p in published):
                    continue
                if any(a.match(importer) and b.match(imported) for a, b in ports):
                    continue
                broken.append(f"{importer} -> {imported} ({own or 'platform'} -> {other})")
        return ContractCheck(
            kept=not broken, metadata={"broken": broken, "contexts": sorted(contexts)}
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("Imports across contexts that no port declares:")
        for line in check.metadata["broken"]:
            output.print_error(f"- {line}")
        output.new_line()
