"""Small configs for tests: `small.yaml` is valid; every other file here is broken on purpose.

A broken file marks each line that must be reported with `# expect: <dotted path>`, or
`# expect: -` for a YAML syntax error (which has a line but no path).
"""

from __future__ import annotations

import re
from pathlib import Path

CONFIGS = Path(__file__).parent
SMALL = CONFIGS / "small.yaml"
BROKEN = sorted(path for path in CONFIGS.glob("*.yaml") if path != SMALL)

_EXPECT = re.compile(r"#\s*expect:\s*(\S+)")


def expected_places(path: Path) -> list[str]:
    """The places `load_config` must report for `path`, in the order of the file."""
    places = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _EXPECT.search(line)
        if match:
            dotted = match.group(1)
            places.append(f"{path}:{number}" if dotted == "-" else f"{path}:{number} ({dotted})")
    return places
