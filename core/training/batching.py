"""Batches of texts of similar length, so that less of each batch is padding.

sentence-transformers pads every text column of a batch to its longest text. With random
batches a short text often rides with a long one and most of the work is padding; grouping
rows of similar length saves that work (the speed-up is measured in bench/). The order is still
random where it matters: rows are shuffled, cut into pools of `POOL` batches, sorted by length
within a pool, cut into batches, and the batches shuffled, with a fresh order every epoch.
Used for the losses that draw plain batches (CoSENT, AnglE, CosineSimilarity, Softmax,
(Online)Contrastive, Triplet); in-batch-negative losses keep their no-duplicates sampler.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from sentence_transformers.base.sampler import DefaultBatchSampler

__all__ = ["POOL", "DistinctLabelBatchSampler", "LengthGroupedBatchSampler", "batches_per_epoch", "row_lengths"]

POOL = 50  # batches per pool: large enough to find similar lengths, small enough to keep batches varied


def row_lengths(dataset, label_columns: list[str] | None = None) -> list[int]:
    """Characters of text per row, over every text column (a cheap stand-in for tokens)."""
    skip = set(label_columns or ())
    columns = [c for c in dataset.column_names if c not in skip]
    totals = [0] * len(dataset)
    for column in columns:
        for i, value in enumerate(list(dataset[column])):
            if isinstance(value, str):
                totals[i] += len(value)
    return totals


class LengthGroupedBatchSampler(DefaultBatchSampler):
    """Shuffled batches whose rows have similar total text length; same length and epochs as the default."""

    def __init__(self, dataset, batch_size: int, drop_last: bool, valid_label_columns=None, generator=None, seed: int = 0):
        super().__init__(
            dataset, batch_size=batch_size, drop_last=drop_last, valid_label_columns=valid_label_columns,
            generator=generator, seed=seed,
        )  # fmt: skip
        self.lengths = row_lengths(dataset, valid_label_columns)

    def __len__(self) -> int:
        n = len(self.lengths)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[list[int]]:
        rng = torch.Generator().manual_seed(self.seed + self.epoch)
        order = torch.randperm(len(self.lengths), generator=rng).tolist()
        pool = self.batch_size * POOL
        grouped = []
        for start in range(0, len(order), pool):
            grouped += sorted(order[start : start + pool], key=self.lengths.__getitem__, reverse=True)
        batches = [grouped[i : i + self.batch_size] for i in range(0, len(grouped), self.batch_size)]
        if self.drop_last and batches and len(batches[-1]) < self.batch_size:
            batches.pop()
        for k in torch.randperm(len(batches), generator=rng).tolist():
            yield batches[k]


class DistinctLabelBatchSampler(DefaultBatchSampler):
    """Shuffled batches in which no two rows share a label or a text.

    For in-batch-negative losses on pairs made from class labels (single_class with MNRL): another row
    of the anchor's class in the batch would be a false negative. Rows are taken in a random order and
    a row that would repeat a label or a text waits for a later batch; with fewer classes than the
    batch size, batches hold one row per class. A fresh order every epoch; `len()` is the number of
    batches the epoch yields (the trainer takes exactly that many). A class far larger than the others
    would make many batches of one row: core.data.prepare.label_pairs caps its rows and says so.
    """

    def __init__(self, dataset, batch_size: int, drop_last: bool, valid_label_columns=None, generator=None, seed: int = 0):
        super().__init__(
            dataset, batch_size=batch_size, drop_last=drop_last, valid_label_columns=valid_label_columns,
            generator=generator, seed=seed,
        )  # fmt: skip
        self.labels = list(dataset["label"])
        texts = [list(dataset[c]) for c in dataset.column_names if c not in set(valid_label_columns or ()) | {"label"}]
        self.texts = [set(row) for row in zip(*texts, strict=True)]
        self.batch_size = min(batch_size, len(set(self.labels)))
        self._made: tuple[int, list[list[int]]] | None = None

    def __len__(self) -> int:
        """The batches this epoch yields (a label with more rows than the others makes more, smaller batches)."""
        return len(self._batches())

    def __iter__(self) -> Iterator[list[int]]:
        yield from self._batches()

    def _batches(self) -> list[list[int]]:
        """This epoch's batches, made once per epoch (len() and iteration read the same list)."""
        if self._made is not None and self._made[0] == self.epoch:
            return self._made[1]
        rng = torch.Generator().manual_seed(self.seed + self.epoch)
        waiting, batches = torch.randperm(len(self.labels), generator=rng).tolist(), []
        while waiting:
            batch, labels, texts, later = [], set(), set(), []
            for i in waiting:
                if len(batch) < self.batch_size and self.labels[i] not in labels and not self.texts[i] & texts:
                    batch.append(i)
                    labels.add(self.labels[i])
                    texts |= self.texts[i]
                else:
                    later.append(i)
            waiting = later
            if len(batch) == self.batch_size or not self.drop_last:
                batches.append(batch)
        self._made = (self.epoch, batches)
        return batches


def batches_per_epoch(sampler, dataset, batch_size: int) -> int:
    """The batches the trainer takes in an epoch with `sampler` (a sampler class, or a sentence-transformers
    BatchSamplers value): the label sampler's own count (its batches shrink to the number of labels, and a large
    label makes more of them), else one per `batch_size` rows."""
    if sampler is DistinctLabelBatchSampler:
        return len(DistinctLabelBatchSampler(dataset, batch_size=batch_size, drop_last=False, valid_label_columns=["label"]))
    return -(-len(dataset) // batch_size)
