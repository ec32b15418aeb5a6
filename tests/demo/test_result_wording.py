"""The words of a demo game's result (issue 22 #8): no brackets inside brackets."""

from __future__ import annotations

from demo import quiz, reaction
from demo.services import build_result


def test_quiz_and_reaction_summaries_have_no_nested_brackets():
    quiz_entry = {"name": "Maya", "answers": [{}, {}, {}], "score": 1500, "correct": 2, "finished": True}
    reaction_entry = {"name": "Jonas", "timeMs": 1660, "falseStarts": 1, "finished": True}
    for rules, entry in ((quiz, quiz_entry), (reaction, reaction_entry)):
        summary = build_result(rules, {"p1": entry}, ended_by="all_finished")["summary"]
        inside = summary[summary.index("(") + 1 : summary.rindex(")")]
        assert "(" not in inside and ")" not in inside, summary
    assert quiz.display(quiz_entry) == "1 500 pts · 2/3 right"
    assert reaction.display(reaction_entry) == "1 660 ms · 1 false start"
