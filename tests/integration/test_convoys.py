"""Convoys (issue 14): created, fed by the daemon's convoy patrol, progressing and landing with
real sim workers and real Refineries across two rigs; refusals name what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from engine_town import FIXED_NOW, OVERSEER, new_bead
from town_fixtures import TownRunner, create_bead, eventually

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.core.clock import FixedClock
from gastown_tui.store.bead_queries import ListFilter, list_beads
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.convoys.convoy_changes import add_to_convoy, create_convoy, land_convoy
from gastown_tui.town.convoys.convoys import convoy_status, stranded_convoys
from gastown_tui.town.refinery.merger import Refinery
from gastown_tui.town.refinery.queue_runner import run_refinery
from gastown_tui.town.supervision.convoy_patrol import convoy_patrol
from gastown_tui.town.town import Town, TownError


def _state(town: Town, convoy: str) -> dict[str, str]:
    town.store.projection.catch_up()
    return {member.id: member.state for member in convoy_status(town, convoy).members}


def _merge(town: Town, convoy: str, beads: list[str], rigs: tuple[str, ...]) -> None:
    """Once the sim workers have filed `beads`, each rig's Refinery lands what is queued (the
    fixed clock moves on first: `once` takes what was submitted before it started)."""
    eventually(lambda: all(_state(town, convoy)[b] == "merging" for b in beads),
               what=f"{beads} in the merge queue", timeout=90,
               describe=lambda: _state(town, convoy))  # fmt: skip
    assert isinstance(town.clock, FixedClock)
    town.clock.advance(3600)
    for rig in rigs:
        run_refinery(Refinery(town, rig), once=True)


def test_a_convoy_across_two_rigs_is_fed_progresses_and_lands(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory(rigs=("alpha", "beta"), clock=FixedClock(FIXED_NOW))
    first = new_bead(town, "Alpha first", "alpha", priority=1)
    second = new_bead(town, "Alpha second", "alpha", priority=2)
    other = new_bead(town, "Beta only", "beta")
    outside = new_bead(town, "Not in the convoy", "alpha", priority=0)
    convoy = create_convoy(town, "Release 1.0", [first, second, other], actor=OVERSEER,
                           notify="mayor").id  # fmt: skip
    status = convoy_status(town, convoy)
    assert (status.closed, status.total, status.stranded) == (0, 3, True)
    assert [c.id for c in stranded_convoys(town)] == [convoy]

    fed = convoy_patrol(town)
    assert sorted((f["rig"], f["bead"], f["action"]) for f in fed) == [
        ("alpha", first, "fed"), ("beta", other, "fed")]  # fmt: skip
    assert _state(town, convoy)[second] == "ready", "one member of a rig in flight at a time"
    assert town.store.get(outside)["status"] == "open", "the patrol feeds only its convoys"
    assert convoy_patrol(town) == [], "nothing more to do while both rigs have work in flight"

    _merge(town, convoy, [first, other], ("alpha", "beta"))
    status = convoy_status(town, convoy)
    assert (status.closed, status.total) == (2, 3)

    fed = convoy_patrol(town)
    assert [(f["bead"], f["action"]) for f in fed] == [(second, "fed")]
    _merge(town, convoy, [second], ("alpha",))
    assert _state(town, convoy) == dict.fromkeys((first, second, other), "closed")

    landed = convoy_patrol(town)
    assert landed == [{"convoy": convoy, "action": "landed", "members": 3, "notified": "mayor"}]
    record = town.store.get(convoy)
    assert rec.status_of(record) == "closed" and record["close_reason"] == "landed"
    mail = list_beads(town.store.connection, ListFilter(types=["message"], assignee="mayor"))
    assert [m["metadata"]["target"] for m in mail] == [convoy]
    assert "msg-type:LIFECYCLE" in mail[0]["labels"]
    assert convoy_patrol(town) == [], "a landed convoy is left alone"


def test_a_convoy_that_cannot_be_fed_is_marked_stranded_until_work_moves(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory()
    with write_transaction(town.store, OVERSEER) as tx:  # a town-level bead: no rig to feed it to
        homeless = tx.new_id("homeless", prefix="hq")
        ts = tx.stamp()
        record = {"id": homeless, "title": "Decide the release date", "status": "open",
                  "issue_type": "task", "created_at": ts, "updated_at": ts}  # fmt: skip
        tx.emit(ev.CREATE, homeless, {"record": record}, ts)
    convoy = create_convoy(town, "Launch", [homeless], actor=OVERSEER).id
    found = convoy_patrol(town)
    assert found == [{"convoy": convoy, "action": "stranded", "ready": [homeless]}]
    assert convoy_status(town, convoy).stranded_mark
    assert convoy_patrol(town) == [], "marked once, not every tick"
    with write_transaction(town.store, OVERSEER) as tx:
        tx.emit("update", homeless, {"set": {"status": "hooked", "assignee": "mayor"}})
    assert convoy_patrol(town) == [{"convoy": convoy, "action": "moving again", "ready": []}]
    assert not convoy_status(town, convoy).stranded_mark


def test_with_auto_dispatch_on_feeding_is_left_to_the_dispatch_patrol(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory()
    settings = town.paths.town_toml.read_text()
    town.paths.town_toml.write_text(settings.replace("auto_dispatch = false",
                                                     "auto_dispatch = true"))  # fmt: skip
    town = Town(town.paths, clock=town.clock, environ=town.environ)
    bead = new_bead(town, "Ready work", "demo")
    convoy = create_convoy(town, "Auto", [bead], actor=OVERSEER).id
    assert convoy_patrol(town) == [{"convoy": convoy, "action": "stranded", "ready": [bead]}]
    assert town.store.get(bead)["status"] == "open", "not slung by this patrol"
    town.close()


def test_create_add_and_land_refuse_what_is_wrong(engine_town_factory: Callable[..., Town]) -> None:
    town = engine_town_factory()
    epic = new_bead(town, "Epic", "demo", issue_type="epic")
    children = [new_bead(town, f"Child {n}", "demo") for n in range(2)]
    with write_transaction(town.store, OVERSEER) as tx:
        for child in children:
            tx.emit(ev.DEP_ADD, child, {"dependency": {
                "issue_id": child, "depends_on_id": epic, "type": "parent-child"}})  # fmt: skip
    with pytest.raises(TownError, match="dm-nope: no such bead"):
        create_convoy(town, "Bad", ["dm-nope"], actor=OVERSEER)
    with pytest.raises(TownError, match="a convoy needs a name"):
        create_convoy(town, "  ", children, actor=OVERSEER)
    with pytest.raises(TownError, match="not an address"):
        create_convoy(town, "Bad notify", children, actor=OVERSEER, notify="nobody at all")
    convoy = create_convoy(town, "From the epic", [], actor=OVERSEER, from_epic=epic)
    assert [m.id for m in convoy.members] == children
    with pytest.raises(TownError, match="cannot track another convoy"):
        add_to_convoy(town, convoy.id, [convoy.id], actor=OVERSEER)
    extra = new_bead(town, "One more", "demo")
    grown, added = add_to_convoy(town, convoy.id, [children[0], extra], actor=OVERSEER)
    assert added == [extra] and grown.total == 3
    with pytest.raises(TownError, match="3 open member"):
        land_convoy(town, convoy.id, actor=OVERSEER)
    assert convoy_status(town, convoy.id).landed is False, "a refused land changes nothing"
    forced = land_convoy(town, convoy.id, actor=OVERSEER, force=True)
    assert forced.landed and len(forced.forced_open) == 3 and forced.notified == OVERSEER
    assert land_convoy(town, convoy.id, actor=OVERSEER).landed is False, "landing twice: no-op"
    with pytest.raises(TownError, match="has landed"):
        add_to_convoy(town, convoy.id, [extra], actor=OVERSEER)
    with pytest.raises(TownError, match="not a convoy"):
        convoy_status(town, extra)


def test_gt_convoy_commands_print_json_and_refuse_with_exit_1(rig_town: TownRunner) -> None:
    town = rig_town
    beads = [create_bead(town, f"Work {n}") for n in range(2)]
    created = town.gt("convoy", "create", "Auth overhaul", *beads, "--json").json()
    assert (created["total"], created["closed"], created["stranded"]) == (2, 0, True)
    listed = town.gt("convoy", "list", "--json").json()
    assert [c["id"] for c in listed] == [created["id"]]
    text = town.gt("convoy", "status", created["id"]).stdout
    assert "0/2" in text and "ready" in text and beads[0] in text
    stranded = town.gt("convoy", "stranded", "--json").json()
    assert [c["id"] for c in stranded] == [created["id"]]
    refused = town.gt("convoy", "land", created["id"], check=False)
    assert refused.returncode == 1 and "2 open member" in refused.stderr
    missing = town.gt("convoy", "status", "hq-nope", check=False)
    assert missing.returncode == 1 and "no convoy 'hq-nope'" in missing.stderr
    landed = town.gt("convoy", "land", created["id"], "--force", "--json").json()
    assert landed["landed"] and landed["convoy"]["landed"]
