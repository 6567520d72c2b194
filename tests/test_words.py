"""The page's words: a message the core writes for the console, as the page shows it (tabs and field labels)."""

from __future__ import annotations

from ui.words import on_page


def test_a_field_a_problem_starts_with_is_named_by_its_label_and_tab():
    shown = on_page("lr: 0 must be greater than 0; batch_size: 3 does not suit it").split("; ")
    assert shown == [
        "“Learning rate” (Model & trainer tab): 0 must be greater than 0",
        "“Batch size” (Model & trainer tab): 3 does not suit it",
    ]


def test_console_flags_become_labels_and_a_flag_that_repeats_the_field_is_left_out():
    assert on_page("data_path: missing; give a file (--data-path)") == "“Table” (Data tab): missing; give a file"
    assert (
        on_page("Try a lower learning rate (--lr 2e-05)")
        == "Try a lower learning rate (“Learning rate” 2e-05 (Model & trainer tab))"
    )
    assert (
        on_page("Name it with --sentence2-column, or") == "Name it with “Roles: second text (positive / answer)” (Data tab), or"
    )
    assert "--" not in on_page("negatives, or --mine-negatives")


def test_plain_words_that_are_field_names_are_kept_inside_a_sentence():
    assert on_page("the model is loaded; pick a loss and a seed") == "the model is loaded; pick a loss and a seed"
    assert on_page("declare score_min/score_max") == "declare “Score min” (Model & trainer tab)/“Score max” (Model & trainer tab)"
