"""Disclosure avoidance on hand-made tables: each rule, and — by trying every value the hidden
cells could take — that no hidden value can be worked out from the shown ones."""

import itertools

import pytest

from workshops import suppression


def texts(result):
    rows = [
        [c.text for c in row] + [t.text]
        for row, t in zip(result.cells, result.row_totals, strict=True)
    ]
    return [*rows, [c.text for c in result.column_totals] + [result.total.text]]


def possible_values(counts, result, minimum_n=10):
    """For each hidden inner cell, every value consistent with what is shown: hidden small
    counts lie in 1 … minimum − 1, other hidden cells anywhere from 0 to the grand total; every
    shown total must add up."""
    rows, columns = len(counts), len(counts[0])
    bound = sum(map(sum, counts))
    choices = []
    for i, j in itertools.product(range(rows), range(columns)):
        cell = result.cells[i][j]
        if not cell.hidden:
            choices.append([cell.value])
        elif cell.hidden_because == "small":
            choices.append(range(1, minimum_n))
        else:
            choices.append(range(bound + 1))
    seen = {}
    row_choices = []
    for i in range(rows):
        options = [
            values
            for values in itertools.product(*choices[i * columns : (i + 1) * columns])
            if _fits(sum(values), result.row_totals[i], minimum_n)
        ]
        row_choices.append(options)
    for grid in itertools.product(*row_choices):
        columns_sums = [sum(grid[i][j] for i in range(rows)) for j in range(columns)]
        if not all(
            _fits(s, t, minimum_n) for s, t in zip(columns_sums, result.column_totals, strict=True)
        ):
            continue
        if not _fits(sum(columns_sums), result.total, minimum_n):
            continue
        for i, j in itertools.product(range(rows), range(columns)):
            seen.setdefault((i, j), set()).add(grid[i][j])
    return {cell: values for cell, values in seen.items() if result.cells[cell[0]][cell[1]].hidden}


def _fits(value, shown, minimum_n):
    if not shown.hidden:
        return value == shown.value
    if shown.hidden_because == "small":
        return 0 < value < minimum_n
    return True


def test_small_counts_are_shown_as_under_the_minimum_and_zero_is_shown():
    assert suppression.count(0).text == "0"
    assert suppression.count(9).text == "< 10"
    assert suppression.count(10).text == "10"
    assert suppression.count(1234).text == "1,234"
    assert suppression.count(4, minimum_n=5).text == "< 5"
    assert suppression.count(5, minimum_n=5).text == "5"


def test_one_small_cell_in_a_row_hides_the_next_smallest_of_its_row_and_column():
    # Chronically absent / not, by school: 4 at the second school is small. Its row would give
    # it away (30 − 26), so 26 is hidden too; its column would (24 − 20), so 20 is hidden; the
    # first row then holds one hidden value (60 − 40), so 40 is hidden. Every line now holds
    # none or two hidden values; the totals stay shown.
    counts = [[20, 40], [4, 26]]
    result = suppression.table(counts)
    assert texts(result) == [
        ["hidden", "hidden", "60"],
        ["< 10", "hidden", "30"],
        ["24", "66", "90"],
    ]
    assert result.cells[1][0].hidden_because == "small"
    for values in possible_values(counts, result).values():
        assert len(values) > 1


def test_two_small_cells_in_a_line_protect_each_other():
    counts = [[3, 5, 40], [30, 31, 32]]
    result = suppression.table(counts)
    assert texts(result)[0] == ["< 10", "< 10", "40", "48"]
    # The columns then hold one hidden value each: their next smallest (30, 31) go too.
    assert texts(result)[1] == ["hidden", "hidden", "32", "93"]
    for values in possible_values(counts, result).values():
        assert len(values) > 1


def test_a_table_without_small_counts_is_shown_whole():
    result = suppression.table([[12, 40], [25, 26]])
    assert texts(result) == [["12", "40", "52"], ["25", "26", "51"], ["37", "66", "103"]]


def test_a_small_total_is_hidden_too_and_nothing_can_be_recovered():
    counts = [[2, 3], [40, 50]]
    result = suppression.table(counts)
    assert result.row_totals[0].text == "< 10"
    for values in possible_values(counts, result).values():
        assert len(values) > 1


@pytest.mark.parametrize(
    ("numerator", "group", "shown"),
    [
        (1, 300, "≤ 1%"),
        (298, 300, "≥ 99%"),
        (150, 300, "50%"),
        (2, 100, "≤ 2%"),
        (3, 100, "3%"),
        (98, 100, "≥ 98%"),
        (2, 40, "≤ 5%"),
        (3, 40, "8%"),
        (38, 40, "≥ 95%"),
        (1, 10, "≤ 10%"),
        (5, 12, "42%"),
        (3, 9, "group under 10"),
    ],
)
def test_percentages_are_coded_by_group_size(numerator, group, shown):
    assert suppression.percent(numerator, group) == shown


def test_rows_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="same number of columns"):
        suppression.table([[1, 2], [3]])


def test_a_group_of_columns_whose_sum_is_given_away_is_one_more_line():
    # Bands Satisfactory, At-risk | Moderate, Severe, Extreme: a chronic rate beside the row
    # gives away the sum of the last three, so a lone hidden chronic cell needs a partner there.
    counts = [[50, 10, 30, 4, 12], [60, 25, 35, 15, 11]]
    plain = suppression.table(counts)
    # The row's partner is At-risk's 10: the 4 alone among the chronic bands, recoverable.
    assert [c.text for c in plain.cells[0]] == ["50", "hidden", "30", "< 10", "12"]
    grouped = suppression.table(counts, row_groups=[(2, 3, 4)])
    hidden = [j for j, c in enumerate(grouped.cells[0]) if c.hidden]
    assert hidden == [1, 3, 4]  # 12, the next smallest of the chronic bands, joins the 4
    for i in range(2):
        chronic = [grouped.cells[i][j] for j in (2, 3, 4)]
        assert sum(c.hidden for c in chronic) != 1


def test_a_percent_for_a_chart_is_drawn_to_its_code():
    assert suppression.percent_shown(1, 50) == suppression.Shown(5, "≤ 5%")
    assert suppression.percent_shown(12, 50) == suppression.Shown(24, "24%")
    assert suppression.percent_shown(3, 9).hidden
