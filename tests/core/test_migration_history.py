"""The Alembic history's rule: a revision is named ``NNNN_topic`` (its file too), has one parent,
and numbers grow along the one line of history. The revisions below were applied under earlier
names and merges; renaming them would break databases that already carry their ids, so they stay
as they are and the rule holds from the first revision after them."""

import re

from alembic.script import Script, ScriptDirectory

from switchboard.core.db import alembic_config

APPLIED_BEFORE_THE_RULE = {
    "0001_accounts", "0002_numbers", "0003_webhooks", "0004_merge", "0005_voice", "0006_messaging",
    "0007_merge", "0008_i10_sip_bindings", "0008_i4_notification_host", "0008_i7_recordings",
    "0008_i9_connectors", "0009_merge", "sip_listen_inband_dtmf", "recording_lease", "lookup_indexes",
}
NAME = re.compile(r"^(\d{4})_[a-z][a-z0-9_]*$")


def _revisions() -> dict[str, Script]:
    return {script.revision: script for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _number(revision: str) -> int:
    match = NAME.match(revision)
    return int(match.group(1)) if match else 9  # the unnumbered applied ones came after 0009_merge


def test_one_head() -> None:
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_each_file_is_named_after_its_revision() -> None:
    for revision, script in _revisions().items():
        assert script.path.endswith(f"/{revision}.py"), (revision, script.path)


def test_revisions_after_the_applied_history_follow_the_rule() -> None:
    revisions = _revisions()
    for revision, script in revisions.items():
        if revision in APPLIED_BEFORE_THE_RULE:
            continue
        assert NAME.match(revision), f"{revision}: name it NNNN_topic (lower case)"
        parent = script.down_revision
        assert isinstance(parent, str), f"{revision}: one parent, not {parent!r}; relink it after the current head"
        assert _number(revision) == max(_number(parent), 9) + 1, f"{revision}: number it one after its parent {parent}"


def test_the_rule_catches_a_merge_and_a_bad_name() -> None:
    assert NAME.match("0010_billing") and not NAME.match("billing_tables") and not NAME.match("0010_Billing")
    assert _number("0012_x") == 12 and _number("lookup_indexes") == 9
