"""Mail message types and the fields each must carry (DESIGN §4).

A message of an unknown type, or one missing a required field, is refused before anything is
written. `MESSAGE` is our addition for free-form notes between people and agents (a reply to an
escalation from the control room); it requires nothing.
"""

from __future__ import annotations

REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "POLECAT_STARTED": ("issue",),
    "POLECAT_DONE": ("exit", "issue", "branch", "mr"),
    "MERGE_READY": ("mr", "branch", "verified"),
    "MERGED": ("mr", "issue", "merge_commit"),
    "MERGE_FAILED": ("mr", "issue", "failure_type", "error"),
    "REWORK_REQUEST": ("mr", "issue", "reason", "instructions"),
    "HELP": ("agent", "issue", "problem", "tried"),
    "HANDOFF": ("context", "status", "next"),
    "RECOVERED_BEAD": ("issue", "reason"),
    "RECOVERY_NEEDED": ("rig", "polecat", "issue", "branch", "cleanup_status"),
    "LIFECYCLE": ("action", "target"),
    "MESSAGE": (),
}

# Fields whose value must be one of a closed set.
ENUM_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("POLECAT_DONE", "exit"): ("MERGED", "ESCALATED", "DEFERRED"),
    ("MERGE_FAILED", "failure_type"): ("tests", "build", "conflict", "other"),
}

# REWORK_REQUEST names what went wrong: the conflicting files or the failing gate.
ONE_OF_FIELDS: dict[str, tuple[str, ...]] = {"REWORK_REQUEST": ("conflict_files", "gate")}

MESSAGE_LABEL = "gt:message"


class MailError(ValueError):
    """A message that breaks the schema, with the reason."""


def validate_message(message_type: str, fields: dict[str, str]) -> None:
    """Raise MailError unless `fields` satisfy the schema of `message_type`."""
    required = REQUIRED_FIELDS.get(message_type)
    if required is None:
        known = ", ".join(sorted(REQUIRED_FIELDS))
        raise MailError(f"unknown message type {message_type!r}; known types: {known}")
    missing = [name for name in required if not str(fields.get(name, "")).strip()]
    if missing:
        raise MailError(
            f"{message_type} needs the field(s) {', '.join(missing)} (give each with --field k=v)"
        )
    for (kind, name), allowed in ENUM_FIELDS.items():
        if kind == message_type and fields.get(name) not in allowed:
            raise MailError(
                f"{message_type} field {name}={fields.get(name)!r} must be one of "
                f"{', '.join(allowed)}"
            )
    either = ONE_OF_FIELDS.get(message_type)
    if either and not any(str(fields.get(name, "")).strip() for name in either):
        raise MailError(f"{message_type} needs one of the fields {' or '.join(either)}")


def message_labels(message_type: str, sender: str, thread: str) -> list[str]:
    return sorted([MESSAGE_LABEL, f"msg-type:{message_type}", f"from:{sender}",
                   f"thread:{thread}"])  # fmt: skip


def label_value(labels: list[str], key: str) -> str | None:
    """The value of the first `key:value` label, or None."""
    head = f"{key}:"
    for label in labels:
        if label.startswith(head):
            return label[len(head) :]
    return None
