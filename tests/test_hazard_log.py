"""The hazard log cannot cite a test that does not exist, or rate a risk against its own matrix.

docs/clinical-safety/hazard-log.md is read as data: its risk matrix, then each hazard's fields and the
test node ids it names. Each node id is resolved the way pytest would (the file, then the function or
Class::method in it), so renaming or deleting a test that proves a control fails this test.
"""

import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

LOG = Path(settings.BASE_DIR) / "docs" / "clinical-safety" / "hazard-log.md"
SEVERITIES = ["Minor", "Significant", "Considerable", "Major", "Catastrophic"]
LIKELIHOODS = ["Very low", "Low", "Medium", "High", "Very high"]
REQUIRED = [
    "Cause",
    "Effect",
    "Harm",
    "Initial severity",
    "Initial likelihood",
    "Initial risk",
    "Controls",
    "Residual severity",
    "Residual likelihood",
    "Residual risk",
]
NODE_ID = re.compile(r"`(tests/[\w/]+\.py::[\w:]+(?:\[[^\]`]*\])?)`")


@dataclass
class Hazard:
    key: str
    title: str
    fields: dict[str, str] = field(default_factory=dict)
    tests: list[str] = field(default_factory=list)


def table_rows(lines: list[str]) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines if line.startswith("|")]


def read_matrix(text: str) -> dict[tuple[str, str], int]:
    """The log's own risk matrix: (likelihood, severity) -> rating."""
    section = text[text.index("| Likelihood \\ Severity |") :].split("\n\n")[0].splitlines()
    header, _rule, *rows = table_rows(section)
    assert header[1:] == SEVERITIES
    matrix = {}
    for likelihood, *ratings in rows:
        for severity, rating in zip(SEVERITIES, ratings, strict=True):
            matrix[(likelihood, severity)] = int(rating)
    assert {likelihood for likelihood, _ in matrix} == set(LIKELIHOODS)
    return matrix


def read_hazards(text: str) -> list[Hazard]:
    hazards = []
    for block in re.split(r"^### ", text, flags=re.MULTILINE)[1:]:
        heading, _, body = block.partition("\n")
        match = re.match(r"(HAZ-\d{2}): (.+)", heading)
        assert match, f"a hazard heading must read 'HAZ-NN: title', not {heading!r}"
        hazard = Hazard(key=match.group(1), title=match.group(2))
        for row in table_rows(body.splitlines()):
            if len(row) == 2 and row[0] not in ("Field", "---"):
                hazard.fields[row[0]] = row[1]
        hazard.tests = NODE_ID.findall(body)
        hazards.append(hazard)
    return hazards


TEXT = LOG.read_text()
MATRIX = read_matrix(TEXT)
HAZARDS = read_hazards(TEXT)


def test_the_log_has_the_hazards_the_product_must_answer_for():
    titles = " / ".join(hazard.title.lower() for hazard in HAZARDS)
    for words in [
        "never re-entered",
        "not switched off before fdp",
        "reminder is missed, or sent twice",
        "wrong nhs number",
        "exposed to the wrong organisation",
        "legacy support ends before",
    ]:
        assert words in titles, f"no hazard about {words!r}"
    keys = [hazard.key for hazard in HAZARDS]
    assert len(keys) == len(set(keys)), "hazard numbers must be unique"


@pytest.mark.parametrize("hazard", HAZARDS, ids=[hazard.key for hazard in HAZARDS])
def test_each_hazard_is_complete_and_rated_by_the_matrix(hazard):
    missing = [name for name in REQUIRED if not hazard.fields.get(name)]
    assert missing == [], f"{hazard.key} lacks {missing}"
    for stage in ("Initial", "Residual"):
        severity, likelihood = hazard.fields[f"{stage} severity"], hazard.fields[f"{stage} likelihood"]
        assert severity in SEVERITIES, f"{hazard.key}: unknown severity {severity!r}"
        assert likelihood in LIKELIHOODS, f"{hazard.key}: unknown likelihood {likelihood!r}"
        rating = int(hazard.fields[f"{stage} risk"])
        assert rating == MATRIX[(likelihood, severity)], (
            f"{hazard.key}: {stage.lower()} risk does not follow the matrix"
        )
    initial, residual = int(hazard.fields["Initial risk"]), int(hazard.fields["Residual risk"])
    assert residual <= initial, f"{hazard.key}: the controls cannot make the risk worse"
    assert residual <= 3, f"{hazard.key}: a residual risk of 4 or 5 is unacceptable"
    assert hazard.tests, f"{hazard.key} names no test that proves its controls"


def resolve(node_id: str):
    """The test function a node id names, or a message saying why it cannot be found."""
    path, _, name = node_id.partition("::")
    name = name.split("[")[0]
    file = Path(settings.BASE_DIR) / path
    if not file.exists():
        return f"{path} does not exist"
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    target = module
    for part in name.split("::"):
        target = getattr(target, part, None)
        if target is None:
            return f"{node_id}: no {part} in {path}"
    if not callable(target) or not part.startswith("test_"):
        return f"{node_id} is not a test"
    return target


@pytest.mark.parametrize("hazard", HAZARDS, ids=[hazard.key for hazard in HAZARDS])
def test_every_test_the_log_cites_exists(hazard):
    problems = [result for result in map(resolve, hazard.tests) if isinstance(result, str)]
    assert problems == []


def test_the_check_would_notice_a_missing_test():
    assert isinstance(resolve("tests/test_hazard_log.py::test_that_was_renamed"), str)
    assert isinstance(resolve("tests/accounts/no_such_file.py::test_anything"), str)
    assert isinstance(resolve("tests/cutover/test_timeline.py::TestWorkingDays::test_nothing_here"), str)
    assert callable(resolve("tests/cutover/test_timeline.py::TestWorkingDays::test_adding_working_days_skips_easter"))
    assert callable(resolve("tests/reentry/test_access.py::test_log_pages_by_role[icb-403]"))
