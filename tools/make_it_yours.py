"""Rename and prune a fresh copy of the Portico template: Copier's task (copier.yml) runs this.

    python -m tools.make_it_yours --name "My Shop" --contexts catalog,ordering \\
        --author "Ada" --email ada@example.com --licence MIT --description "..."

It runs in the generated project's root, on files Copier has just copied verbatim, and then
deletes itself (it belongs to the template only). Every step is idempotent: `copier update`
re-renders the template's files over the project and runs it again, so it must turn fresh
template files into the project's and leave the project's own files as they are.

Standard library only, Python 3.10+: it runs under the Python that runs Copier.
The renaming is a list of exact substitutions (RENAMES), never a blind replace: see
docs/template.md for each one and what it derives.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from tools.adapters import NAMES as ADAPTERS
from tools.adapters import AdapterError, check_adapters, remove_adapters, squash_migrations
from tools.contexts import context_tables, prune_migrations, remove_context

# The sample contexts a project may leave out; identity, notifications and audit always stay.
OPTIONAL_CONTEXTS = ("catalog", "ordering")
LICENCES = ("MIT", "BSD-3-Clause", "Proprietary")
# Files and folders that belong to the template only.
# The template's own; a project's API has no release yet, so no baseline (tools/api_compat.py).
TEMPLATE_ONLY = (
    "tools/make_it_yours.py",
    "tools/adapters.py",
    "tools/adapter_table.py",
    "docs/template.md",
    "tests/template",
    "tools/combinations.py",
    "docs/api/openapi.baseline.json",
    # Data carried over revision by revision: a project starts from one squashed revision.
    "tests/migrations/test_history.py",
    "tests/migrations/catalog/test_history.py",
    "tests/migrations/ordering/test_history.py",
)
# A README section between these markers speaks of the template and is cut from a project.
TEMPLATE_SECTION = re.compile(
    r"<!-- template-only -->.*?<!-- /template-only -->\n*", flags=re.DOTALL
)
# The same, as comment lines, in the Makefile and .ci/run: the template's combinations run.
TEMPLATE_LINES = re.compile(r"(?ms)^# template-only\n.*?^# /template-only\n")
BLANK_RUNS = re.compile(r"\n{3,}")
# Not renamed: binary files and what is not the project's own text.
SKIP_DIRS = {".git", ".venv", ".tools", "__pycache__", "var", ".mypy_cache", ".ruff_cache"}
SKIP_DIRS |= {"node_modules"}
# Top-level packages and folders of the project: the slug must not be one of them.
RESERVED = {"domain", "application", "adapters", "entrypoints", "tests", "tools", "bench"}
RESERVED |= {"migrations", "docs", "src"}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9 -]*\Z")


class Refused(ValueError):
    """A bad answer: one line saying what is wrong, and nothing written."""


@dataclass(frozen=True)
class Names:
    """Every spelling of the project's name, derived from the one the user gave."""

    display: str  # "My Shop": titles, the CLI and OpenAPI descriptions, prose
    slug: str  # "myshop": distribution, CLI, loggers, SQLite file, cache prefix, NATS namespace
    env: str  # "MYSHOP": the settings' prefix MYSHOP_ and a few constants
    header: str  # "My-Shop": the webhook headers My-Shop-Signature, My-Shop-Notification-Id

    @classmethod
    def of(cls, name: str) -> Names:
        name = " ".join(name.split())
        if not _NAME.match(name):
            raise Refused(
                f"project name {name!r}: use letters, digits, spaces and hyphens, "
                "starting with a letter"
            )
        words = re.findall(r"[A-Za-z0-9]+", name)
        slug = "".join(words).lower()
        if slug in RESERVED:
            raise Refused(f"project name {name!r}: {slug} is already a package of the project")
        header = "-".join(word[0].upper() + word[1:] for word in words)
        return cls(display=name, slug=slug, env=slug.upper(), header=header)


# (pattern, replacement) in order: the header and the upper-case form before the plain word.
def renames(names: Names) -> list[tuple[re.Pattern[str], str]]:
    return [
        # Webhook headers: Portico-Signature, Portico-Notification-Id.
        (re.compile(r"\bPortico-(?=[A-Z])"), f"{names.header}-"),
        # Settings prefix PORTICO_* (and the test servers' PORTICO_TEST_*), constants.
        (re.compile(r"PORTICO"), names.env),
        # Titles and prose: the README title, "Portico API", the CLI's description.
        (re.compile(r"Portico"), names.display),
        # Everything else: distribution and CLI, token issuer, cache prefix, NATS namespace,
        # logger names, var/portico.db, test databases, identifiers such as run_portico.
        (re.compile(r"portico"), names.slug),
    ]


def rename_text(text: str, names: Names) -> str:
    for pattern, replacement in renames(names):
        text = pattern.sub(replacement, text)
    return text


def _text_files(root: Path, keep: set[Path]) -> Iterable[Path]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if set(relative.parts) & SKIP_DIRS or not path.is_file() or relative in keep:
            continue
        yield path


def rename_tree(root: Path, names: Names, keep: set[Path]) -> list[Path]:
    """Apply RENAMES to every text file but `keep`; returns the files changed."""
    changed = []
    for path in _text_files(root, keep):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        new = rename_text(text, names)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path.relative_to(root))
    return changed


def own_files(root: Path, template: Path) -> set[Path]:
    """The project's files the template does not have. On `copier update` the task runs in the
    project itself, over freshly copied template files and the project's own (a scaffolded
    context, a page that says "forked from Portico"): the renaming is for the former only."""
    ours: set[Path] = set()
    for path in template.rglob("*"):
        relative = path.relative_to(template)
        ours.add(relative.with_suffix("") if relative.suffix == ".jinja" else relative)
    return {path.relative_to(root) for path in _text_files(root, set())} - ours


def reformat(root: Path, files: list[Path]) -> None:
    """Renaming changes line lengths and the alphabetical order of imported names: ruff format
    and ruff's import sorting put them back where the house style wants them. ruff comes with
    the project's dev tools (and so with a Copier run from its venv); without it, a note says to
    run `make fmt` once."""
    if not files:
        return
    if importlib.util.find_spec("ruff") is not None:
        ruff = [sys.executable, "-m", "ruff"]
    elif shutil.which("ruff"):
        ruff = ["ruff"]
    else:
        print("make_it_yours: ruff not found; run `make fmt` once to re-wrap the renamed lines")
        return
    paths = [str(path) for path in files]
    # F401: an import only a removed adapter's lines used goes with them.
    fixes = ["check", "--fix", "--select", "I,F401", "--quiet"]
    for step in (fixes, ["format", "--quiet"]):
        subprocess.run([*ruff, *step, *paths], cwd=root, check=True)  # noqa: S603 - our files


def write_contracts(root: Path) -> None:
    """The committed API contracts (docs/api/) still name the contexts left out: write them
    again from the project's code, when the Python running this has its dependencies (a Copier
    run from the project's venv); otherwise a note says to run `make contracts` once."""
    note = "make_it_yours: run `make contracts` once to write docs/api/ for the kept contexts"
    if importlib.util.find_spec("litestar") is None:
        print(note)
        return
    env = {**os.environ, "PYTHONPATH": str(root.resolve() / "src")}
    command = [sys.executable, "-m", "tools.contracts"]
    done = subprocess.run(command, cwd=root, env=env, check=False, capture_output=True)  # noqa: S603
    if done.returncode != 0:  # another version of a dependency, say: the note, not a failed copy
        print(note)


def widen_for_long_names(root: Path, names: Names) -> int | None:
    """A name longer than the template's pushes some comments, docstrings and strings past the
    line length, which the formatter cannot re-wrap: rather than rewrite that prose, E501's limit
    (`[tool.ruff.lint.pycodestyle] max-line-length`) becomes the longest renamed line. The
    formatter still wraps code at `line-length`. Returns the new limit, if one was needed."""
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    found = re.search(r"(?m)^line-length = (\d+)$", text)
    if found is None:
        return None
    limit = int(found.group(1))
    spellings = (names.slug, names.env, names.display, names.header)
    widest = max(
        (
            len(line)
            for path in _text_files(root, keep=set())
            if path.suffix == ".py"
            for line in path.read_text(encoding="utf-8").splitlines()
            if any(spelling in line for spelling in spellings)
        ),
        default=0,
    )
    text = re.sub(r"\[tool\.ruff\.lint\.pycodestyle\]\nmax-line-length = \d+\n\n", "", text)
    if widest > limit:
        section = f"[tool.ruff.lint.pycodestyle]\nmax-line-length = {widest}\n\n"
        text = text.replace(
            "[tool.ruff.lint.per-file-ignores]", section + "[tool.ruff.lint.per-file-ignores]"
        )
    pyproject.write_text(text, encoding="utf-8")
    return widest if widest > limit else None


def check_contexts(contexts: Iterable[str]) -> tuple[str, ...]:
    kept = tuple(c for c in (c.strip() for c in contexts) if c)
    unknown = sorted(set(kept) - set(OPTIONAL_CONTEXTS))
    if unknown:
        raise Refused(
            f"unknown context {unknown[0]!r}: choose among {', '.join(OPTIONAL_CONTEXTS)}"
        )
    if "ordering" in kept and "catalog" not in kept:
        raise Refused("ordering needs catalog (its Stock port): keep catalog too, or neither")
    return kept


def prune(root: Path, kept: tuple[str, ...]) -> list[str]:
    """Remove the sample contexts not kept, and cut their tables out of the migrations."""
    gone = [c for c in reversed(OPTIONAL_CONTEXTS) if c not in kept]  # dependants first
    tables: set[str] = set()
    for context in gone:
        tables |= context_tables(root, context)
        remove_context(root, context)
    if tables:
        prune_migrations(root, tables)
    return gone


def relock(root: Path) -> None:
    """pyproject.toml lost the dependencies of the adapters left out: uv.lock follows (uv needs
    PyPI for it). Without uv, a note says to run `uv lock` once."""
    uv = shutil.which("uv")
    if uv is None or not (root / "uv.lock").exists():
        print("make_it_yours: run `uv lock` once: pyproject.toml lost dependencies")
        return
    done = subprocess.run([uv, "lock", "--quiet"], cwd=root, check=False)  # noqa: S603
    if done.returncode != 0:
        print("make_it_yours: `uv lock` failed; run it once: pyproject.toml lost dependencies")


def licence_text(licence: str, holder: str, year: int) -> str:
    if licence == "MIT":
        return (
            f"MIT License\n\nCopyright (c) {year} {holder}\n\n"
            "Permission is hereby granted, free of charge, to any person obtaining a copy\n"
            'of this software and associated documentation files (the "Software"), to deal\n'
            "in the Software without restriction, including without limitation the rights\n"
            "to use, copy, modify, merge, publish, distribute, sublicense, and/or sell\n"
            "copies of the Software, and to permit persons to whom the Software is\n"
            "furnished to do so, subject to the following conditions:\n\n"
            "The above copyright notice and this permission notice shall be included in all\n"
            "copies or substantial portions of the Software.\n\n"
            'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR\n'
            "IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,\n"
            "FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE\n"
            "AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER\n"
            "LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,\n"
            "OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE\n"
            "SOFTWARE.\n"
        )
    if licence == "BSD-3-Clause":
        return (
            f"BSD 3-Clause License\n\nCopyright (c) {year}, {holder}\n\n"
            "Redistribution and use in source and binary forms, with or without\n"
            "modification, are permitted provided that the following conditions are met:\n\n"
            "1. Redistributions of source code must retain the above copyright notice, this\n"
            "   list of conditions and the following disclaimer.\n\n"
            "2. Redistributions in binary form must reproduce the above copyright notice,\n"
            "   this list of conditions and the following disclaimer in the documentation\n"
            "   and/or other materials provided with the distribution.\n\n"
            "3. Neither the name of the copyright holder nor the names of its\n"
            "   contributors may be used to endorse or promote products derived from\n"
            "   this software without specific prior written permission.\n\n"
            'THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"\n'
            "AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE\n"
            "IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE\n"
            "DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE\n"
            "FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL\n"
            "DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR\n"
            "SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER\n"
            "CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,\n"
            "OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE\n"
            "OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.\n"
        )
    if licence == "Proprietary":
        return f"Copyright (c) {year} {holder}. All rights reserved.\n"
    raise Refused(f"unknown licence {licence!r}: choose among {', '.join(LICENCES)}")


def _project_metadata(text: str, description: str, licence: str, author: str, email: str) -> str:
    """pyproject.toml's description, licence and authors (what the answers set)."""
    if description:
        text = re.sub(
            r'(?m)^description = ".*"$', lambda _: f"description = {_toml(description)}", text
        )
    text = re.sub(r"(?m)^license = .*$", lambda _: f"license = {{ text = {_toml(licence)} }}", text)
    text = re.sub(r"(?m)^authors = .*\n", "", text)
    if author:
        person = f"name = {_toml(author)}" + (f", email = {_toml(email)}" if email else "")
        text = re.sub(
            r"(?m)^(license = .*\n)", lambda m: f"{m.group(1)}authors = [{{ {person} }}]\n", text
        )
    return text


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _edit(path: Path, change: Callable[[str], str]) -> None:
    if path.is_file():
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


def make_it_yours(root: Path, args: argparse.Namespace) -> None:
    names = Names.of(args.name)
    kept = check_contexts(args.contexts.split(","))
    if args.licence not in LICENCES:
        raise Refused(f"unknown licence {args.licence!r}: choose among {', '.join(LICENCES)}")
    try:
        adapters = check_adapters(args.adapters.split(","))
    except AdapterError as error:
        raise Refused(str(error)) from None

    pruned = prune(root, kept)
    edited = remove_adapters(root, adapters)
    own = own_files(root, args.template) if args.template is not None else set()
    squashed = squash_migrations(root, own=own)
    for relative in TEMPLATE_ONLY:
        path = root / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    _edit(root / "README.md", lambda text: TEMPLATE_SECTION.sub("", text))
    for relative in ("Makefile", ".ci/run"):
        # Removed targets and blocks leave their blank separators: one blank line between two.
        _edit(root / relative, lambda text: BLANK_RUNS.sub("\n\n", TEMPLATE_LINES.sub("", text)))
    keep = {Path(p) for p in args.keep}
    if args.template is not None:
        keep |= own_files(root, args.template)
    if squashed is not None:  # the template's revisions squashed: template text, to be renamed
        keep.discard(squashed.relative_to(root))
    changed = rename_tree(root, names, keep=keep)
    touched = {*changed, *edited, *([squashed.relative_to(root)] if squashed else [])}
    python = sorted(path for path in touched if path.suffix == ".py" and (root / path).exists())
    reformat(root, python)
    widen_for_long_names(root, names)
    _edit(
        root / "pyproject.toml",
        lambda text: _project_metadata(
            text, args.description, args.licence, args.author, args.email
        ),
    )
    if pruned or len(adapters) < len(ADAPTERS):
        write_contracts(root)
    if any(path.name == "pyproject.toml" for path in edited):
        relock(root)
    holder = args.author or names.display
    year = datetime.date.today().year
    (root / "LICENSE").write_text(licence_text(args.licence, holder, year), encoding="utf-8")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make_it_yours", description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True, help="the project's name, e.g. 'My Shop'")
    parser.add_argument("--contexts", default=",".join(OPTIONAL_CONTEXTS))
    parser.add_argument("--adapters", default=",".join(ADAPTERS))
    parser.add_argument("--description", default="")
    parser.add_argument("--author", default="")
    parser.add_argument("--email", default="")
    parser.add_argument("--licence", default="MIT")
    parser.add_argument(
        "--keep", action="append", default=[], help="a file not to rename (the answers file)"
    )
    parser.add_argument("--root", type=Path, default=Path())
    parser.add_argument(
        "--template", type=Path, help="the template's copy: only its files are renamed"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        make_it_yours(args.root, args)
    except Refused as refused:
        print(f"make_it_yours: {refused}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
