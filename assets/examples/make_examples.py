"""Write the bundled example tables (one per trainer type) from the help-desk intents in helpdesk.py.

    python assets/examples/make_examples.py

Deterministic (seeded), so the committed CSVs are exactly what this script writes.
"""

from __future__ import annotations

import csv
import itertools
import random
from pathlib import Path

from helpdesk import INTENTS

HERE = Path(__file__).resolve().parent
SEED = 7
# topics whose requests overlap in part (a pass is paid for; a ride ends where it began...)
NEIGHBOURS = {
    frozenset(pair)
    for pair in (
        ("billing", "membership"),
        ("billing", "business"),
        ("unlocking", "ending_ride"),
        ("unlocking", "app"),
        ("bike_problems", "safety"),
        ("bike_problems", "ending_ride"),
        ("lost_and_found", "safety"),
        ("account", "app"),
    )
}


def _questions() -> list[tuple[str, str, str]]:
    """(topic, intent, question) for every question."""
    return [(t, i, q) for t, intents in INTENTS.items() for i, (qs, _) in intents.items() for q in qs]


def _write(name: str, header: list[str], rows: list[list]) -> None:
    with open(HERE / name, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    print(f"{name}: {len(rows)} rows")


def main() -> None:
    rng = random.Random(SEED)
    questions = _questions()
    by_intent: dict[str, list[str]] = {}
    topic_of: dict[str, str] = {}
    for topic, intent, q in questions:
        by_intent.setdefault(intent, []).append(q)
        topic_of[intent] = topic
    same_topic = {i: [j for j in by_intent if j != i and topic_of[j] == topic_of[i]] for i in by_intent}
    other_topic = {i: [j for j in by_intent if topic_of[j] != topic_of[i]] for i in by_intent}

    # pair: two wordings of the same request
    pairs = []
    for qs in by_intent.values():
        combos = list(itertools.combinations(qs, 2))
        pairs += [list(c) for c in rng.sample(combos, 10)]
    rng.shuffle(pairs)
    _write("pair.csv", ["anchor", "positive"], pairs)

    # qa: a question and the answer that solves it
    answers = {i: a for intents in INTENTS.values() for i, (_, a) in intents.items()}
    qa = [[q, answers[i]] for _, i, q in questions]
    rng.shuffle(qa)
    _write("qa.csv", ["question", "answer"], qa)

    # triplet: anchor, same request reworded, a near miss from the same topic
    triplets = []
    for intent, qs in by_intent.items():
        for anchor, positive in rng.sample(list(itertools.permutations(qs, 2)), 10):
            negative = rng.choice(by_intent[rng.choice(same_topic[intent])])
            triplets.append([anchor, positive, negative])
    rng.shuffle(triplets)
    _write("triplet.csv", ["anchor", "positive", "negative"], triplets)

    # pair_score: 0-5 like STS, on a rule a person would apply: the same request 5 (4 when one
    # wording is less than half as long as the other and so says less), the same topic 2, a
    # neighbouring topic 1, anything else 0
    def score(a: str, b: str, same_intent: bool, topic_a: str, topic_b: str) -> int:
        if same_intent:
            return 4 if min(len(a), len(b)) * 2 < max(len(a), len(b)) else 5
        if topic_a == topic_b:
            return 2
        return 1 if frozenset((topic_a, topic_b)) in NEIGHBOURS else 0

    scored = []
    for intent, qs in by_intent.items():
        for _ in range(4):
            a, b = rng.sample(qs, 2)
            scored.append([a, b, score(a, b, True, topic_of[intent], topic_of[intent])])
        for near in (same_topic, other_topic):
            for _ in range(3):
                other = rng.choice(near[intent])
                a, b = rng.choice(qs), rng.choice(by_intent[other])
                scored.append([a, b, score(a, b, False, topic_of[intent], topic_of[other])])
    rng.shuffle(scored)
    _write("pair_score.csv", ["sentence1", "sentence2", "score"], scored)

    # pair_class: duplicate (1) or a near miss from the same topic (0)
    labelled = []
    for intent, qs in by_intent.items():
        for _ in range(5):
            labelled.append([*rng.sample(qs, 2), 1])
            labelled.append([rng.choice(qs), rng.choice(by_intent[rng.choice(same_topic[intent])]), 0])
    rng.shuffle(labelled)
    _write("pair_class.csv", ["question1", "question2", "is_duplicate"], labelled)

    # single_class: a question and its topic
    topics = [[q, t] for t, _, q in questions]
    rng.shuffle(topics)
    _write("single_class.csv", ["text", "topic"], topics)

    # rerank: five wordings of each request, each with its own answer (1) and the answer of another request of the
    # same topic (0): a near miss a search model ranks close, which a reranker reading both texts must tell apart
    reranked = []
    for intent, qs in by_intent.items():
        for q in qs[:5]:
            reranked += [[q, answers[intent], 1], [q, answers[rng.choice(same_topic[intent])], 0]]
    rng.shuffle(reranked)
    _write("rerank.csv", ["question", "answer", "solves_it"], reranked)


if __name__ == "__main__":
    main()
