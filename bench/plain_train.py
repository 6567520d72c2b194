"""The baseline of bench/overhead.py: fine-tune with SentenceTransformerTrainer directly, no studio code.

Reads the same train.csv (no header: sentence1, sentence2, score 0-5), scales scores to 0-1 as
the studio does, trains with CoSENTLoss and the given settings, and prints one JSON line with the
trainer's training samples/s.
"""

from __future__ import annotations

import argparse
import json
import sys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--epochs", type=float, default=1)
    parser.add_argument("--max-seq-length", type=int, default=128)
    parser.add_argument("--logging-steps", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--optimizer", default="adamw_torch_fused")
    args = parser.parse_args()

    import pandas as pd
    from datasets import Dataset
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.sentence_transformer.losses import CoSENTLoss

    df = pd.read_csv(args.train, header=None, names=["sentence1", "sentence2", "score"])
    df["score"] = df["score"] / 5.0
    model = SentenceTransformer(args.model)
    model.max_seq_length = args.max_seq_length
    training_args = SentenceTransformerTrainingArguments(
        output_dir=args.out,
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.batch_size,
        learning_rate=args.lr,
        warmup_steps=0.1,
        optim=args.optimizer,
        seed=args.seed,
        logging_steps=args.logging_steps,
        eval_strategy="no",
        save_strategy="no",
        report_to=[],
        disable_tqdm=True,
    )
    trainer = SentenceTransformerTrainer(
        model=model, args=training_args, train_dataset=Dataset.from_pandas(df), loss=CoSENTLoss(model)
    )
    result = trainer.train()
    model.save(f"{args.out}/model")
    print(json.dumps({"train_samples_per_second": result.metrics["train_samples_per_second"]}), file=sys.stdout)


if __name__ == "__main__":
    main()
