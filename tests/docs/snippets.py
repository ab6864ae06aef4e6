"""Reading the docs' snippets and what they show, running them with markers, comparing what they printed.

Used by `test_snippets.py`; the rules are in its docstring.
"""

from __future__ import annotations

import io
import json
import re
import shlex
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN = {"sh", "bash", "console", "python"}
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
SKIP = re.compile(r"<!-- snippet: skip \((?P<reason>[^)]+)\) -->\s*$")
MARK = "\x1esnippet "  # a line no program prints: starts each unit's output
OK, BAD = "\x1eok ", "\x1ebad "  # lines of `print(...)  # → text` calls, checked in the snippet's process
ARROW = "# → "


@dataclass
class Snippet:
    page: str
    line: int
    lang: str
    code: str
    skipped: str | None  # the reason
    output: str | None = None  # the `output` block right after this one
    owner: Snippet | None = None  # for an `output` block: the block it shows

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


@dataclass
class Unit:
    """One piece of a run whose output is checked: a console command, or a whole sh or python block."""

    where: str
    source: str
    shown: str | None  # None: only `# →` lines are shown (python), anything else printed is unshown output
    output: str = field(default="")


def snippets(page: str) -> list[Snippet]:
    text = (ROOT / page).read_text()
    found: list[Snippet] = []
    previous_end = -1
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        skip = SKIP.search(before)
        snippet = Snippet(
            page, text[: match.start()].count("\n") + 1, match.group(1), match.group(2),
            skip.group("reason") if skip else None,
        )  # fmt: skip
        adjacent = found and not text[previous_end : match.start()].strip()
        if snippet.lang == "output" and adjacent and found[-1].lang in RUN - {"console"}:
            snippet.owner = found[-1]
            found[-1].output = snippet.code
        found.append(snippet)
        previous_end = match.end()
    return found


def runnable(page: str) -> list[Snippet]:
    return [s for s in snippets(page) if s.lang in RUN and not s.skipped]


# Running


def shell_script(blocks: list[Snippet]) -> tuple[str, list[Unit]]:
    """One bash session: `sh` blocks under `set -e`; each `$ ` line must succeed as a typed line would (so
    `cmd; echo "exit=$?"` shows a failure on purpose). Each unit's output starts with a marker line."""
    parts = ["set -o pipefail"]
    units: list[Unit] = []
    for block in blocks:
        if block.lang == "console":
            for command, shown in _console_commands(block.code):
                parts.append(f"printf '\\n{MARK}%d\\n' {len(units)}")
                failed = shlex.quote(f"failed ({block.where}): {command}")
                # A command whose output goes to the terminal draws the tables a terminal shows (decision N13).
                on_terminal = not re.search(r"[|>]", command)
                parts.append("export OPENQUALIFY_TABLES=rich" if on_terminal else "unset OPENQUALIFY_TABLES")
                parts.append(f"{{ {command}\n}} 2>&1 || {{ echo {failed} >&2; exit 1; }}")
                parts.append("unset OPENQUALIFY_TABLES")
                units.append(Unit(block.where, command, shown))
        else:
            parts += [f"printf '\\n{MARK}%d\\n' {len(units)}", f"# {block.where}", "set -e", "{", block.code, "} 2>&1",
                      "set +e"]  # fmt: skip
            units.append(Unit(block.where, block.code, block.output or ""))
    return "\n".join(parts) + "\n", units


def _console_commands(code: str) -> list[tuple[str, str]]:
    commands: list[tuple[str, list[str]]] = []
    for line in code.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
    return [(command, "\n".join(shown)) for command, shown in commands]


_CHECKED_PRINT = f"""
def __oq_print(__shown, *args, sep=" ", **_):
    import json as __json
    __text = sep.join(str(a) for a in args)
    __tag = {OK!r} if __oq_matches(__shown, __text) else {BAD!r} + __json.dumps([__shown, __text]) + " "
    print("\\n".join(__tag + line for line in __text.split("\\n")), flush=True)
"""


def python_session(blocks: list[Snippet]) -> tuple[str, list[Unit]]:
    """The page's python blocks as one program. `print(...)  # → text` calls check their own line."""
    parts = [_matcher_source(), _CHECKED_PRINT]
    units: list[Unit] = []
    for block in blocks:
        code = block.code if block.output is not None else _checked_prints(block)
        parts += [f"print({MARK + str(len(units))!r}, flush=True)", f"# {block.where}", code]
        units.append(Unit(block.where, block.code, block.output))
    return "\n".join(parts) + "\n", units


def _checked_prints(block: Snippet) -> str:
    lines = block.code.splitlines()
    tokens = tokenize.generate_tokens(io.StringIO(block.code).readline)
    for token in tokens:
        if token.type != tokenize.COMMENT or not token.string.startswith(ARROW):
            continue
        row, column = token.start
        code = lines[row - 1][:column].rstrip()
        indent = code[: len(code) - len(code.lstrip())]
        if not code.lstrip().startswith("print(") or not code.endswith(")"):
            raise ValueError(f"{block.where}+{row}: `{ARROW}` goes after a one-line print(...) call")
        shown = token.string[len(ARROW) :]
        lines[row - 1] = f"{indent}__oq_print({shown!r}, {code.lstrip()[len('print(') :]}"
    return "\n".join(lines)


# Comparing

_NORMAL = [
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"), "<time>"),
    (re.compile(r"invite/[A-Za-z0-9_-]+"), "invite/<code>"),
    (re.compile(r"(?<![\w-])-[A-Za-z0-9_-]{19}(?![\w-])"), "<id>"),
    (re.compile(r"\b[0-9a-f]{24}\b"), "<oid>"),
    (re.compile(r"(?<![\w-])[A-Za-z0-9_-]{32,}(?![\w-])"), "<token>"),
]


def normalise(text: str) -> list[str]:
    """Lines without trailing blanks or trailing empty lines; ids, tokens and times as placeholders."""
    for pattern, placeholder in _NORMAL:
        text = pattern.sub(placeholder, text)
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines


def matches(shown: str, printed: str) -> bool:
    """`printed` is what `shown` shows: `...` is any text, a line of only `...` any lines."""
    pattern = ""
    for line in normalise(shown):
        if line.strip() == "...":
            pattern += r"(?:[^\n]*\n)*?"
        else:
            pattern += r"[^\n]*?".join(re.escape(part) for part in line.split("...")) + r"\n"
    lines = normalise(printed)
    return re.fullmatch(pattern, "".join(line + "\n" for line in lines)) is not None


def _matcher_source() -> str:
    """`matches` and `normalise` for the python snippets' own process (it must not import the test suite)."""
    import inspect

    return "\n".join(
        [
            "import re",
            f"_NORMAL = [(re.compile(p), r) for p, r in {[(p.pattern, r) for p, r in _NORMAL]!r}]",
            inspect.getsource(normalise),
            inspect.getsource(matches).replace("def matches(", "def __oq_matches("),
        ]
    )


def split_units(units: list[Unit], stdout: str) -> None:
    current: Unit | None = None
    for line in stdout.split("\n"):
        if line.startswith(MARK):
            current = units[int(line[len(MARK) :])]
        elif current is not None:
            current.output += line + "\n"


def compare(units: list[Unit], stdout: str) -> list[str]:
    """Every difference between what the units printed and what the page shows, as messages."""
    split_units(units, stdout)
    problems = []
    for unit in units:
        if unit.shown is not None:
            if not matches(unit.shown, unit.output):
                problems.append(
                    f"{unit.where}: `{_first_line(unit.source)}` printed\n{_indent(unit.output)}\n"
                    f"but the page shows\n{_indent(unit.shown)}"
                )
            continue
        for line in normalise(unit.output):
            if line.startswith(BAD):
                (shown, printed), _ = json.JSONDecoder().raw_decode(line[len(BAD) :])
                problems.append(f"{unit.where}: a print shows `{shown}` on the page but printed `{printed}`")
            elif not line.startswith(OK) and line:
                problems.append(f"{unit.where}: prints `{line}`, which the page does not show")
    return problems


def curl_fails_on_errors(line: str) -> bool:
    """Every `curl` on the line has `-f`/`--fail` among its options (not inside another option's value)."""
    takes_value = set("HdXowumeTFrbcAKxyzE")
    for match in re.finditer(r"(?<![\w'-])curl\s([^;|&)}]*)", line):
        try:
            words = shlex.split(match.group(1))
        except ValueError:
            words = match.group(1).split()
        fails = False
        skip_next = False
        for word in words:
            if skip_next:
                skip_next = False
                continue
            if word in ("--fail", "--fail-with-body"):
                fails = True
            elif re.fullmatch(r"-[A-Za-z]+", word):
                fails = fails or "f" in word
                skip_next = word[-1] in takes_value
            elif word.startswith("--") and "=" not in word:
                skip_next = word in ("--header", "--data", "--request", "--output", "--write-out", "--user")
        if not fails:
            return False
    return True


def _first_line(source: str) -> str:
    return source.strip().splitlines()[0] if source.strip() else ""


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in (normalise(text) or ["(nothing)"]))
