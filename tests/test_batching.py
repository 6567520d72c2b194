"""Length-grouped batches: every row once per epoch, less padding than random batches, a new order each epoch."""

from __future__ import annotations

import random
import statistics

from datasets import Dataset

from core.training.batching import LengthGroupedBatchSampler, row_lengths


def table(n: int = 1000, seed: int = 0) -> Dataset:
    rng = random.Random(seed)
    words = lambda: " ".join("word" for _ in range(rng.randint(1, 60)))  # noqa: E731
    return Dataset.from_dict({"sentence1": [words() for _ in range(n)], "sentence2": [words() for _ in range(n)],
                              "score": [rng.random() for _ in range(n)]})  # fmt: skip


def sampler(data: Dataset, batch_size: int = 16, drop_last: bool = False, epoch: int = 0) -> LengthGroupedBatchSampler:
    s = LengthGroupedBatchSampler(data, batch_size=batch_size, drop_last=drop_last, valid_label_columns=["score"], seed=3)
    s.set_epoch(epoch)
    return s


def test_each_epoch_yields_every_row_once_in_as_many_batches_as_it_says():
    data = table(1003)
    batches = list(sampler(data))
    assert sorted(i for b in batches for i in b) == list(range(1003))
    assert len(batches) == len(sampler(data)) == 63
    assert sum(len(b) != 16 for b in batches) == 1  # only one short batch
    dropped = list(sampler(data, drop_last=True))
    assert len(dropped) == len(sampler(data, drop_last=True)) == 62 and all(len(b) == 16 for b in dropped)


def test_labels_do_not_count_towards_a_rows_length():
    data = Dataset.from_dict({"a": ["xx", "xxxx"], "b": ["y", ""], "label": [100, 2]})
    assert row_lengths(data, ["label"]) == [3, 4]


def test_batches_hold_texts_of_similar_length_so_less_of_each_batch_is_padding():
    data = table(1600)
    lengths = row_lengths(data, ["score"])

    def padding(batches) -> float:  # padded characters over real ones, as a batch pads to its longest row
        return sum(max(lengths[i] for i in b) * len(b) for b in batches) / sum(lengths)

    rng = random.Random(1)
    order = list(range(1600))
    rng.shuffle(order)
    random_batches = [order[i : i + 16] for i in range(0, 1600, 16)]
    assert padding(list(sampler(data))) < 0.75 * padding(random_batches)


def test_a_new_order_each_epoch_and_the_same_order_for_the_same_seed_and_epoch():
    data = table(400)
    first, again, second = list(sampler(data, epoch=0)), list(sampler(data, epoch=0)), list(sampler(data, epoch=1))
    assert first == again and first != second
    spread = [statistics.pstdev(b) for b in first]
    assert max(spread) > 0  # batches mix row indices from all over the table, not one sorted run


def test_plain_batch_losses_get_length_grouped_batches_and_in_batch_negative_losses_keep_theirs():
    from core.recipes import LOSSES
    from core.training.arguments import sampler_for

    assert sampler_for(LOSSES["CoSENTLoss"], True) is LengthGroupedBatchSampler
    assert sampler_for(LOSSES["CoSENTLoss"], False) == "batch_sampler"
    assert sampler_for(LOSSES["MultipleNegativesRankingLoss"], True) == "no_duplicates"
    assert sampler_for(LOSSES["BatchHardTripletLoss"], True) == "group_by_label"


def test_pairs_made_from_labels_never_meet_a_row_of_their_label_in_a_batch():
    import pandas as pd

    from core.data.prepare import label_pairs
    from core.training.batching import DistinctLabelBatchSampler

    rng = random.Random(1)
    rows = pd.DataFrame({"sentence1": [f"text {i}" for i in range(300)], "label": [rng.randrange(20) for _ in range(300)]})
    paired, info = label_pairs(rows, seed=0, batch_size=16)
    assert info["rows"] == len(paired) == 300
    label_of = dict(zip(rows["sentence1"], rows["label"], strict=True))
    assert all(label_of[b] == lab for b, lab in zip(paired["sentence2"], paired["label"], strict=True))
    assert (paired["sentence1"] != paired["sentence2"]).all()
    data = Dataset.from_pandas(paired, preserve_index=False)
    s = DistinctLabelBatchSampler(data, batch_size=16, drop_last=False, valid_label_columns=["label"], seed=0)
    batches = list(s)
    assert sorted(i for b in batches for i in b) == list(range(300))  # every row once
    for batch in batches:
        labels = [paired["label"][i] for i in batch]
        assert len(labels) == len(set(labels)) and len(batch) <= 16
    three = Dataset.from_dict({"sentence1": ["a", "b", "c", "d"], "sentence2": ["e", "f", "g", "h"], "label": [0, 1, 0, 1]})
    assert all(
        len(b) <= 2 for b in DistinctLabelBatchSampler(three, batch_size=16, drop_last=False, valid_label_columns=["label"])
    )


def test_label_batches_say_as_many_batches_as_they_yield_when_one_label_outnumbers_the_rest():
    from core.training.batching import DistinctLabelBatchSampler

    labels = [0] * 900 + [label for label in range(1, 11) for _ in range(10)]  # 900 rows of one label, ten of 10
    data = Dataset.from_dict({"sentence1": [f"a{i}" for i in range(1000)], "sentence2": [f"b{i}" for i in range(1000)],
                              "label": labels})  # fmt: skip
    for epoch in (0, 1):
        s = DistinctLabelBatchSampler(data, batch_size=16, drop_last=False, valid_label_columns=["label"], seed=0)
        s.set_epoch(epoch)
        batches = list(s)
        assert len(batches) == len(s) == 900  # the trainer takes len() batches an epoch: every row is among them
        assert sorted(i for b in batches for i in b) == list(range(1000))


def test_a_class_too_large_for_full_label_batches_is_capped_and_the_report_says_how_many_rows_were_left_out(tmp_path):
    import pandas as pd

    from core.data.prepare import label_pairs, rows_per_label_cap

    assert rows_per_label_cap([900] + [10] * 10, batch_size=16) == 22  # 22 batches of 11 classes: 122 rows, half full
    assert rows_per_label_cap([21, 9] + [15] * 18, batch_size=16) is None  # mild imbalance keeps every row
    assert rows_per_label_cap([100] * 77, batch_size=16) is None  # balanced classes keep every row
    rows = pd.DataFrame({"sentence1": [f"text {i}" for i in range(1000)], "label": [0] * 900 + [i // 10 + 1 for i in range(100)]})
    paired, report = label_pairs(rows, seed=0, batch_size=16)
    assert len(paired) == 122 and (paired["label"] == 0).sum() == 22
    assert report["rows_left_out"] == 878 and report["rows_per_class_cap"] == 22 and report["capped_classes"] == {"0": 878}
    assert "one text of each class" in report["why_capped"]
    from core.config import TrainConfig
    from core.data.load import load_training_data
    from core.data.report_text import report_markdown

    rows.rename(columns={"sentence1": "text"}).to_csv(tmp_path / "intents.csv", index=False)
    data = load_training_data(TrainConfig(data_path=str(tmp_path / "intents.csv"), trainer="single_class", batch_size=16))
    assert "**Left out**" in report_markdown(data.report) and "rows of the largest classes" in report_markdown(data.report)
