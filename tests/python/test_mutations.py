"""Writes over HTTP with the gql client: appendEvents and retractEvent, as a
script that feeds strata from a news pipeline does them."""

from __future__ import annotations

import uuid

import pytest
from gql.transport.exceptions import TransportQueryError

import demo

APPEND = """
mutation Append($events: [EventInput!]!, $expected: Int) {
  appendEvents(events: $events, expectedPosition: $expected) {
    position
    appended
    events { id kind at position recordedAt subject { id } object { id } }
  }
}
"""

APPROVED_BY = """
query($id: ID!, $knownAt: DateTime) {
  entity(id: $id, knownAt: $knownAt) { relations(direction: OUT, names: ["approved"]) { role to { id } event { id } } }
}
"""

SOURCE = {"publisher": "Test Wire", "title": "A test report", "published": "2026-02-03"}


def new_batch():
    """Three events of a fresh report: a company declared inline, approved, and a letter about it."""
    return [
        {
            "id": str(uuid.uuid4()),
            "kind": "entity_declared",
            "at": "2015",
            "subject": {"id": "moonshot-ai", "type": "ACTOR", "name": "Moonshot AI", "attrs": {"country": "CN"}},
            "source": SOURCE,
        },
        {
            "id": str(uuid.uuid4()),
            "kind": "approval_granted",
            "at": "2026-02-03",
            "subject": {"id": "cn-miit"},
            "object": {"id": "moonshot-ai"},
            "about": [{"id": "nvidia-h200"}],
            "attrs": {"quantity": 1000},
            "source": SOURCE,
        },
        {
            "id": str(uuid.uuid4()),
            "kind": "letter_sent",
            "at": "2026-02-04",
            "subject": {"id": "john-moolenaar"},
            "object": {"id": "howard-lutnick"},
            "about": [{"id": "moonshot-ai"}],
            "source": SOURCE,
        },
    ]


def approved_by(server, agency, known_at=None):
    rels = server.execute(APPROVED_BY, {"id": agency, "knownAt": known_at})["entity"]["relations"]
    return {r["to"]["id"] for r in rels if r["role"] == "SUBJECT_OBJECT"}


def code_of(caught):
    return caught.value.errors[0]["extensions"]["code"]


def test_a_good_batch_is_stored_whole_and_answers_at_once(server):
    before = server.stats()["events"]
    batch = new_batch()
    result = server.execute(APPEND, {"events": batch})["appendEvents"]
    assert result["appended"] == 3
    assert result["position"] == before + 3
    assert [e["position"] for e in result["events"]] == [before + 1, before + 2, before + 3]
    assert [e["id"] for e in result["events"]] == [e["id"] for e in batch]
    stamps = [e["recordedAt"] for e in result["events"]]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3, "recorded time strictly increases"
    assert "moonshot-ai" in approved_by(server, "cn-miit")
    path = server.execute('{ path(from: "moonshot-ai", to: "howard-lutnick") { hops } }')["path"]
    assert path["hops"] == 1, "the letter's about-link puts Moonshot one hop from Lutnick"
    assert server.stats()["events"] == before + 3


def test_a_bad_batch_names_line_and_field_and_stores_nothing(server):
    before = server.stats()
    batch = new_batch()
    batch[2]["at"] = "2026-02-30"
    with pytest.raises(TransportQueryError) as caught:
        server.execute(APPEND, {"events": batch})
    err = caught.value.errors[0]
    assert err["extensions"]["code"] == "BAD_INPUT"
    assert "events[2]" in err["message"] and "`at`" in err["message"], err["message"]
    assert err["extensions"]["location"] == "events[2]" and err["extensions"]["field"] == "at"
    assert server.stats() == before, "nothing of the batch was stored"
    assert "moonshot-ai" not in approved_by(server, "cn-miit")
    ghost = server.execute('{ entity(id: "moonshot-ai") { id } }')["entity"]
    assert ghost is None, "not even the inline declaration of the first line"


@pytest.mark.parametrize(
    "index, change, field",
    [
        (1, {"kind": "approval_maybe"}, "kind"),
        (1, {"object": {"id": "nvidia-h200"}}, "object"),  # an agency approves actors, not chips
        (2, {"subject": {"id": "nobody-known"}}, "subject"),
    ],
)
def test_other_bad_lines_are_refused_with_their_field(server, index, change, field):
    before = server.stats()
    batch = new_batch()
    batch[index].update(change)
    with pytest.raises(TransportQueryError) as caught:
        server.execute(APPEND, {"events": batch})
    err = caught.value.errors[0]
    assert err["extensions"]["code"] == "BAD_INPUT", err
    assert f"events[{index}]" in err["message"] and field in err["message"], err["message"]
    assert server.stats() == before


def test_re_appending_the_same_batch_is_a_no_op(server):
    batch = new_batch()
    first = server.execute(APPEND, {"events": batch})["appendEvents"]
    again = server.execute(APPEND, {"events": batch})["appendEvents"]
    assert again["appended"] == 0
    assert again["position"] == first["position"]
    assert [e["position"] for e in again["events"]] == [e["position"] for e in first["events"]]
    assert server.stats()["events"] == first["position"]
    # The same id with different content is not a retry but an error.
    changed = [dict(batch[1], at="2026-02-05")]
    with pytest.raises(TransportQueryError) as caught:
        server.execute(APPEND, {"events": changed})
    assert code_of(caught) == "BAD_INPUT"
    assert server.stats()["events"] == first["position"]


def test_expected_position_guards_against_a_concurrent_writer(server):
    head = server.stats()["events"]
    ok = server.execute(APPEND, {"events": new_batch()[:1], "expected": head})["appendEvents"]
    assert ok["position"] == head + 1
    # A second writer that read the same head is refused and stores nothing.
    with pytest.raises(TransportQueryError) as caught:
        server.execute(APPEND, {"events": new_batch()[:1], "expected": head})
    assert code_of(caught) == "CONFLICT"
    assert str(head) in caught.value.errors[0]["message"]
    assert server.stats()["events"] == head + 1


def test_retracting_an_event_hides_it_now_but_not_from_the_past(server):
    approvals = [e for e in demo.events() if e["kind"] == "approval_granted" and e["object"] == "tencent"]
    target = next(e for e in approvals if e["subject"] == "cn-miit")
    before = server.stats()["lastRecordedAt"]
    q = """
    mutation($id: ID!, $reason: String!, $source: SourceInput) {
      retractEvent(id: $id, reason: $reason, source: $source) { id kind retracts position attrs subject { id } }
    }
    """
    r = server.execute(q, {"id": target["id"], "reason": "misreported", "source": SOURCE})["retractEvent"]
    assert r["kind"] == "event_retracted" and r["retracts"] == target["id"]
    assert "misreported" in str(r["attrs"])
    assert "tencent" not in approved_by(server, "cn-miit")
    assert "tencent" in approved_by(server, "cn-mofcom"), "only the one event is withdrawn"
    assert "tencent" in approved_by(server, "cn-miit", known_at=before), "what we knew before the retraction"
    seen = server.execute(
        "query($id: ID!) { event(id: $id) { id retractedBy { id } } }", {"id": target["id"]}
    )["event"]
    assert seen["retractedBy"]["id"] == r["id"]
    listed = server.execute(
        '{ events(entity: "tencent", kinds: ["approval_granted"]) { edges { node { id } } } }'
    )["events"]["edges"]
    assert target["id"] not in {e["node"]["id"] for e in listed}
    # A retraction of an unknown event is an error and stores nothing.
    head = server.stats()["events"]
    with pytest.raises(TransportQueryError) as caught:
        server.execute(q, {"id": str(uuid.uuid4()), "reason": "no such event"})
    assert code_of(caught) == "BAD_INPUT"
    assert server.stats()["events"] == head
