"""How benchmarks/bench_personal.py --choose-bonus picks the same-hand bonus, on small made-up error tables."""

import numpy as np

from benchmarks.bench_personal import BONUSES, MNIST_CHANGE_FLOOR, choose_bonus, pick_bonus


def make_table(errors_per_bonus: list[list[int]], plain: list[int], mnist_change: float = 0.0) -> np.ndarray:
    """(bonus, writer, [instant errors, plain errors, MNIST change]) with one row per bonus given."""
    table = np.zeros((len(errors_per_bonus), len(plain), 3))
    table[:, :, 0] = errors_per_bonus
    table[:, :, 1] = plain
    table[:, :, 2] = mnist_change
    return table


def test_the_pick_has_the_fewest_errors_when_no_writer_falls_below_plain():
    table = make_table([[5, 5, 5], [4, 3, 3], [4, 4, 4]], plain=[6, 6, 6])
    assert pick_bonus(table, [0, 1, 2]) == 1


def test_a_bonus_that_puts_a_writer_below_plain_loses_to_one_with_more_errors():
    table = make_table([[3, 3, 3], [0, 0, 4]], plain=[3, 3, 3])
    assert pick_bonus(table, [0, 1, 2]) == 0
    assert pick_bonus(table, [0, 1]) == 1  # without the third writer nobody falls below plain


def test_a_bonus_costing_mnist_more_than_the_floor_is_never_picked():
    table = make_table([[5, 5], [0, 0]], plain=[5, 5])
    table[1, 1, 2] = MNIST_CHANGE_FLOOR - 0.001
    assert pick_bonus(table, [0, 1]) == 0
    table[1, 1, 2] = MNIST_CHANGE_FLOOR  # exactly on the floor is allowed
    assert pick_bonus(table, [0, 1]) == 1


def test_leaving_each_writer_out_reads_them_with_the_pick_of_the_others():
    # Writer 2 gains from bonus row 1 while the others are hurt by it: left out, it is read with row 0.
    table = make_table([[2, 2, 4], [3, 3, 0]], plain=[2, 2, 4])
    choice = choose_bonus(table)
    assert choice["picks"] == [BONUSES[0], BONUSES[0], BONUSES[0]]
    assert choice["left_out_errors"] == 2 + 2 + 4 and choice["left_out_below_plain"] == 0
    assert choice["pick_on_all"] == BONUSES[0]
    table = make_table([[2, 2, 4], [1, 1, 5]], plain=[2, 2, 4])  # row 1 helps writers 0, 1 and hurts 2
    choice = choose_bonus(table)
    assert choice["picks"] == [BONUSES[0], BONUSES[0], BONUSES[1]]
    assert choice["left_out_errors"] == 2 + 2 + 5 and choice["left_out_below_plain"] == 1


def test_the_row_names_how_many_writers_each_pick_was_made_on():
    from benchmarks.bench_personal import describe_bonus_choice

    choice = {**choose_bonus(make_table([[2, 2, 4], [1, 1, 5]], plain=[2, 2, 4])), "digits": 300}
    line = describe_bonus_choice(choice)
    assert line.startswith("leaving each writer out, the bonus picked on the other 2 writers (0.0, 0.0, 0.02)")
    assert "97.00% (9 errors of 300, 1 writers below plain); picked on all writers: 0.0" in line
