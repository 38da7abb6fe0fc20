"""`gt escalate create`: the escalation bead, its event and its route (DESIGN §4, town.toml).

Default routes: LOW → the bead; MEDIUM → + HELP mail to the mayor; HIGH → + to the overseer;
CRITICAL → + a line in `.runtime/escalations.log`. All of it is one batch; a refusal writes
nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from town_fixtures import TownRunner

ROUTED_MAIL = {"LOW": [], "MEDIUM": ["mayor"], "HIGH": ["mayor", "overseer"],
               "CRITICAL": ["mayor", "overseer"]}  # fmt: skip
PRIORITY = {"LOW": 3, "MEDIUM": 2, "HIGH": 1, "CRITICAL": 0}
AGENT = "demo/polecats/nux"


def escalate(town: TownRunner, *args: str, actor: str = AGENT) -> dict[str, Any]:
    created = town.gt("escalate", "create", *args, "--json", env={"BD_ACTOR": actor}).json()
    return dict(created)


def help_mail(town: TownRunner, escalation: str) -> list[dict[str, Any]]:
    listed = town.bd("list", "--all", "-t", "message", "--label", f"thread:{escalation}",
                     "--json").json()  # fmt: skip
    return sorted(listed, key=lambda m: m["assignee"])


def log_path(town: TownRunner) -> Any:
    return town.root / ".runtime" / "escalations.log"


@pytest.mark.parametrize("severity", ["LOW", "MEDIUM", "HIGH", "CRITICAL"])
def test_each_severity_follows_its_default_route(rig_town: TownRunner, severity: str) -> None:
    town = rig_town
    work = town.bd("create", "flaky build", "--rig", "demo", "--json").json()["id"]
    before = len(town.events())
    created = escalate(town, "-s", severity.lower(), "tests hang on CI", "--issue", work,
                       "--tried", "reran twice")  # fmt: skip
    escalation = created["id"]
    assert escalation.startswith("hq-") and created["issue_type"] == "escalation"
    assert created["title"] == "tests hang on CI" and created["status"] == "open"
    assert created["priority"] == PRIORITY[severity] and created["created_by"] == AGENT
    assert created["metadata"] == {
        "severity": severity, "original_severity": severity, "source": AGENT, "agent": AGENT,
        "issue": work, "problem": "tests hang on CI", "tried": "reran twice",
        "decision_needed": False, "acknowledged_by": None, "acknowledged_at": None,
        "reescalations": 0, "rig": "demo",
    }  # fmt: skip
    new = town.events()[before:]
    assert len(new) >= 2 and len({e["batch"]["id"] for e in new}) == 1  # one batch
    (event,) = [e for e in new if e["op"] == "escalate"]
    # On the work bead, so its history (what prime's seance reads) shows the escalation.
    assert event["bead"] == work and event["actor"] == AGENT
    assert {k: event["data"][k] for k in ("escalation", "severity", "by")} == {
        "escalation": escalation, "severity": severity, "by": AGENT}  # fmt: skip
    mail = help_mail(town, escalation)
    assert [m["assignee"] for m in mail] == ROUTED_MAIL[severity]
    for message in mail:
        assert "msg-type:HELP" in message["labels"] and f"from:{AGENT}" in message["labels"]
        typed = {k: message["metadata"][k] for k in ("agent", "issue", "problem", "tried")}
        assert typed == {"agent": AGENT, "issue": work, "problem": "tests hang on CI",
                         "tried": "reran twice"}  # fmt: skip
        assert message["metadata"]["escalation"] == escalation
    if severity == "CRITICAL":
        (line,) = log_path(town).read_text(encoding="utf-8").splitlines()
        assert f"CRITICAL {escalation} by {AGENT} on {work}: tests hang on CI" in line
    else:
        assert not log_path(town).exists()
    assert town.bead(work)["status"] == "open"  # escalating changes nothing on the work


def test_defaults_without_issue_or_tried_and_text_output(town: TownRunner) -> None:
    created = escalate(town, "the daemon keeps restarting", actor="deacon")
    assert created["metadata"]["severity"] == "MEDIUM" and created["metadata"]["issue"] is None
    assert "rig" not in created["metadata"]
    (mail,) = help_mail(town, created["id"])
    assert mail["assignee"] == "mayor"
    assert mail["metadata"]["issue"] == "none" and mail["metadata"]["tried"] == "nothing yet"
    (event,) = [e for e in town.events() if e["op"] == "escalate"]
    assert event["bead"] == created["id"]
    shown = town.gt("escalate", "create", "-s", "LOW", "\x1b[2Jwiped \x1b[31m").stdout
    assert "\x1b" not in shown and "\\x1b[2Jwiped \\x1b[31m" in shown
    assert "(LOW, P3)" in shown and "routed: bead" in shown


def test_a_custom_route_in_town_toml_is_honoured(town: TownRunner) -> None:
    toml = town.root / "town.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'LOW = ["bead"]' in text
    toml.write_text(text.replace('LOW = ["bead"]', 'LOW = ["bead", "mail:deacon", "log"]'),
                    encoding="utf-8")  # fmt: skip
    created = escalate(town, "-s", "LOW", "low but noisy")
    assert [m["assignee"] for m in help_mail(town, created["id"])] == ["deacon"]
    assert f"LOW {created['id']}" in log_path(town).read_text(encoding="utf-8")


def test_bad_severity_unknown_issue_and_empty_text_write_nothing(town: TownRunner) -> None:
    before = town.events()
    bad = town.gt("escalate", "create", "-s", "URGENT", "help", check=False)
    assert bad.returncode == 2 and "must be one of LOW, MEDIUM, HIGH, CRITICAL" in bad.stderr
    unknown = town.gt("escalate", "create", "-s", "HIGH", "help", "--issue", "hq-nope",
                      check=False)  # fmt: skip
    assert unknown.returncode == 1 and "no bead 'hq-nope'" in unknown.stderr
    empty = town.gt("escalate", "create", "-s", "CRITICAL", "   ", check=False)
    assert empty.returncode == 1 and "description" in empty.stderr
    assert town.events() == before
    assert not log_path(town).exists()
