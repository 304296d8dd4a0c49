"""The manager's report pack: tables and bar charts, e.g. budget against actual by month (§9)."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pypdf
import pytest

from invoices.report_pdf import (
    BarChart,
    Headline,
    Headlines,
    Histogram,
    PageBreak,
    ReportNote,
    ReportTable,
    band_edges,
    nice_scale,
    parts_hold_two_rows,
    plan_table_pages,
    render_report,
    tick_label,
)
from pricing.errors import InvalidInput
from tests.invoices import pdf_pages, pdf_text

D = Decimal
MONTHS = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]
BUDGET = [D(10_000 + 500 * i) for i in range(12)]
ACTUAL = [D(9_000 + 800 * i) for i in range(12)]


def budget_table() -> ReportTable:
    rows = [[m, f"{b:,.2f}", f"{a:,.2f}", f"{a - b:,.2f}"] for m, b, a in zip(MONTHS, BUDGET, ACTUAL, strict=True)]
    rows.append(["Total", f"{sum(BUDGET):,.2f}", f"{sum(ACTUAL):,.2f}", f"{sum(ACTUAL) - sum(BUDGET):,.2f}"])
    return ReportTable("Budget against actual", ("Month", "Budget £", "Actual £", "Variance £"), rows,
                       total_row=True)


def chart_only(chart: BarChart) -> bytes:
    return render_report("Chart", "", [chart], as_of=date(2020, 4, 30))


def filled_rectangles(data: bytes) -> int:
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    contents = page.get_contents()
    assert contents is not None
    return len(re.findall(rb" re f\b", contents.get_data()))


class TestBudgetPack:
    def setup_method(self):
        sections = [
            ReportNote("Income and cost for FY2019/20 by month.", "Summary"),
            BarChart("Budget against actual by month", MONTHS, [("Budget", BUDGET), ("Actual", ACTUAL)],
                     x_label="Month"),
            budget_table(),
        ]
        self.pdf = render_report("Budget pack FY2019/20", "Inclusion Support Service", sections,
                                 as_of=date(2020, 4, 30))
        self.text = pdf_text(self.pdf)

    def test_the_title_subtitle_and_date_are_shown(self):
        assert self.pdf.startswith(b"%PDF-")
        assert "Budget pack FY2019/20" in self.text
        assert "Inclusion Support Service" in self.text
        assert "Prepared 2020-04-30" in self.text

    def test_the_table_rows_and_total_are_shown(self):
        assert "Month Budget £ Actual £ Variance £" in self.text
        assert "Apr 10,000.00 9,000.00 -1,000.00" in self.text
        assert "Mar 15,500.00 17,800.00 2,300.00" in self.text
        assert "Total 153,000.00 160,800.00 7,800.00" in self.text

    def test_the_chart_has_a_legend_axis_ticks_and_category_labels(self):
        assert "Budget" in self.text and "Actual" in self.text
        for tick in ("£0", "£5,000", "£10,000", "£15,000", "£20,000"):
            assert tick in self.text
        for month in MONTHS:
            assert month in self.text
        assert "Month" in self.text

    def test_pages_are_numbered(self):
        pages = pdf_pages(self.pdf)
        for number, page in enumerate(pages, start=1):
            assert f"Page {number} of {len(pages)}" in page


def test_each_non_zero_value_is_drawn_as_one_bar_plus_a_legend_key():
    chart = BarChart("Income", ["Q1", "Q2", "Q3"],
                     [("Traded", [D(100), D(0), D(50)]), ("Grant", [D(10), D(20), D(30)])])
    # 5 non-zero bars and 2 legend keys; the zero value draws nothing.
    assert filled_rectangles(chart_only(chart)) == 7


def test_negative_values_hang_below_a_zero_line():
    chart = BarChart("Variance", ["Apr", "May"], [("Variance", [D(-1000), D(2500)])])
    text = pdf_text(chart_only(chart))
    assert [tick for tick in ("-£1,000", "£0", "£1,000", "£2,000", "£3,000") if tick in text] == [
        "-£1,000", "£0", "£1,000", "£2,000", "£3,000"]
    assert filled_rectangles(chart_only(chart)) == 3


def test_numeric_columns_are_right_aligned_unless_told_otherwise():
    table = ReportTable("t", ("Source", "Amount £", "Share", "Code"),
                        [["Traded", "1,250.00", "12.5%", "A1"], ["Grant", "-300.00", "", "B2"]])
    assert table.alignments() == ("L", "R", "R", "L")
    forced = ReportTable("t", ("a", "b"), [["1", "2"]], align=("C", "L"))
    assert forced.alignments() == ("C", "L")


def test_a_wide_table_fits_the_page_by_shrinking_its_type():
    headers = ["Source", *MONTHS, "Total"]
    rows = [["Traded income", *[f"{b:,.2f}" for b in BUDGET], f"{sum(BUDGET):,.2f}"]]
    for landscape in (False, True):
        data = render_report("Wide", "", [ReportTable("By month", headers, rows)], landscape=landscape)
        text = re.sub(r"\s+", " ", pdf_text(data))
        assert " ".join(f"{b:,.2f}" for b in BUDGET) + " 153,000.00" in text
        assert "Traded income" in text
        box = pypdf.PdfReader(io.BytesIO(data)).pages[0].mediabox
        assert (box.width > box.height) is landscape


def test_a_long_table_repeats_its_header_on_each_page():
    rows = [[f"Case CR-{i:04d}", f"{i * 10:,.2f}"] for i in range(120)]
    pages = pdf_pages(render_report("Cases", "", [ReportTable("Per-case income", ("Case", "Income £"), rows)]))
    assert len(pages) >= 3
    assert all("Case Income £" in page for page in pages)
    assert all(f"Case CR-{i:04d}" in "\n".join(pages) for i in range(120))


def test_the_report_never_reads_the_clock():
    sections = [budget_table()]
    assert render_report("Pack", "", sections) == render_report("Pack", "", sections)


def test_bad_sections_are_refused():
    with pytest.raises(InvalidInput, match="3 values for 2 categories"):
        BarChart("x", ["a", "b"], [("s", [D(1), D(2), D(3)])])
    with pytest.raises(InvalidInput, match="not a Decimal"):
        BarChart("x", ["a"], [("s", [1.5])])  # type: ignore[list-item]
    with pytest.raises(InvalidInput):
        BarChart("x", [], [])
    with pytest.raises(InvalidInput, match="row of 1 cells for 2 columns"):
        ReportTable("x", ("a", "b"), [["1"]])
    with pytest.raises(InvalidInput, match="formatted strings"):
        ReportTable("x", ("a",), [[D(1)]])  # type: ignore[list-item]
    with pytest.raises(InvalidInput):
        render_report("x", "", ["not a section"])  # type: ignore[list-item]


def test_the_value_axis_uses_round_steps_covering_zero():
    assert nice_scale(D(0), D(17800)) == (D(0), D(20000), D(5000))
    assert nice_scale(D(-2500), D(2300)) == (D(-3000), D(3000), D(1000))
    assert nice_scale(D(0), D(0)) == (D(0), D(1), D("0.2"))
    assert nice_scale(D(120), D(130)) == (D(0), D(150), D(50))
    assert tick_label(D(-1000), D(1000), "£") == "-£1,000"
    assert tick_label(D("0.4"), D("0.2"), "hours") == "0.4"


# --- widow and orphan control: no page holds a single row of a table ----------------------------
# Portrait A4 at the tables' 8.5 pt: a row (one line) and the header are 4.2 x 8.5/9 + 2 x 1.4 =
# 6.767 mm, a heading 7 mm, a table's gap after it 7 mm, and a page below the running head holds
# 279 - 17 = 262 mm. A table on a fresh page fits 7 + 6.767 + 36 x 6.767 = 257.4 mm: 36 rows.


def rows_of(prefix: str, n: int) -> list[list[str]]:
    return [[f"{prefix} {i:03d}", f"{1000 + i:,.2f}"] for i in range(1, n + 1)]


def rows_per_page(pages: list[str], prefix: str) -> list[int]:
    return [len(re.findall(rf"^{prefix} \d{{3}} ", page, re.M)) for page in pages]


def on_a_fresh_page(*tables: ReportTable) -> list[str]:
    """Rendered after a page break, so the tables start at the top of page 2 (page 1 holds the title)."""
    return pdf_pages(render_report("Pack", "", [PageBreak(), *tables], as_of=date(2020, 4, 30)))[1:]


def test_a_fresh_page_holds_36_rows_of_a_long_table():
    pages = on_a_fresh_page(ReportTable("Long", ("Case", "Cost £"), rows_of("Case", 100)))
    assert rows_per_page(pages, "Case") == [36, 36, 28]  # each page under the title "(continued)"


def test_a_last_row_that_would_stand_alone_on_a_page_takes_one_more_with_it():
    # 37 rows: 36 fit, so the 37th would be alone on the next page; the 36th goes over with it.
    pages = on_a_fresh_page(ReportTable("Per case", ("Case", "Cost £"), rows_of("Case", 37)))
    assert rows_per_page(pages, "Case") == [35, 2]
    assert "Case 036 1,036.00" in pages[1] and "Case 037 1,037.00" in pages[1]
    assert "Per case (continued)" in pages[1]
    assert all("Case Cost £" in page for page in pages)  # the header repeats


def with_total(n: int) -> ReportTable:
    return ReportTable("Per case", ("Case", "Cost £"), [*rows_of("Case", n), ["Total", "99,999.00"]],
                       total_row=True)


def page_of_total(pages: list[str]) -> int:
    return next(i for i, page in enumerate(pages) if re.search(r"^Total 99,999.00", page, re.M))


def test_a_total_row_is_no_company_for_a_last_row():
    # 36 rows and the total: 36 rows fill the page, so the total would stand alone; one row and the
    # total would be an orphan too, so two rows go over with the total.
    pages = on_a_fresh_page(with_total(36))
    assert rows_per_page(pages, "Case") == [34, 2]
    assert page_of_total(pages) == 1
    assert "Case 035 1,035.00\nCase 036 1,036.00\nTotal 99,999.00" in pages[1]


def test_a_table_with_its_total_that_fits_exactly_stays_on_one_page():
    pages = on_a_fresh_page(with_total(35))
    assert rows_per_page(pages, "Case") == [35] and page_of_total(pages) == 0


def test_a_page_full_of_rows_leaves_two_for_the_total_whatever_the_length():
    # 37 rows + total: 36 fit, so 35 here and 2 with the total; 72 + total: 36, then 34, then 2 + total.
    assert rows_per_page(on_a_fresh_page(with_total(37)), "Case") == [35, 2]
    pages = on_a_fresh_page(with_total(72))
    assert rows_per_page(pages, "Case") == [36, 34, 2] and page_of_total(pages) == 2
    assert rows_per_page(on_a_fresh_page(with_total(73)), "Case") == [36, 35, 2]


def test_the_page_plan_counts_body_rows_and_never_breaks_a_short_table():
    rows = [10.0] * 5  # 4 rows + total; 5 mm header; 3 rows here, 4 on each new page
    assert plan_table_pages(rows, 5.0, 40.0, 50.0, total_row=True) == [(0, 2), (2, 5)]
    # without a total the same room takes 3 and leaves 2
    assert plan_table_pages(rows, 5.0, 40.0, 50.0) == [(0, 3), (3, 5)]
    # 3 rows + total where 3 fit: 2 | 1 + total and 3 | total are both orphans: start on the next page
    assert plan_table_pages([10.0] * 4, 5.0, 40.0, 50.0, total_row=True) == [(0, 0), (0, 4)]
    # 2 rows + total (or 1 + total) where 2 fit: never broken, the whole table moves over
    assert plan_table_pages([10.0] * 3, 5.0, 30.0, 50.0, total_row=True) == [(0, 0), (0, 3)]
    assert plan_table_pages([10.0] * 2, 5.0, 20.0, 50.0, total_row=True) == [(0, 0), (0, 2)]
    assert plan_table_pages([10.0] * 2, 5.0, 30.0, 50.0, total_row=True) == [(0, 2)]
    assert not parts_hold_two_rows([(0, 3), (3, 5)], 5, total_row=True)  # 1 row + total
    assert not parts_hold_two_rows([(0, 4), (4, 5)], 5, total_row=True)  # the total alone
    assert parts_hold_two_rows([(0, 2), (2, 5)], 5, total_row=True)
    assert not parts_hold_two_rows([(0, 1), (1, 3)], 3, total_row=True)  # 2 rows + total, broken


def test_no_page_holds_one_row_of_a_table_with_a_total_wherever_it_breaks():
    for filler in range(26, 38):
        for size in (1, 2, 3, 4, 5, 34, 35, 36, 37, 38, 70, 71, 72, 73):
            first = ReportTable("Filler", ("Source", "Balance £"), rows_of("Source", filler))
            pages = on_a_fresh_page(first, with_total(size))
            counts = rows_per_page(pages, "Case")
            drawn = [n for n in counts if n]
            assert sum(drawn) == size, (filler, size, counts)
            if size <= 2:
                assert len(drawn) == 1 and counts[page_of_total(pages)] == size, (filler, size, counts)
            else:
                assert min(drawn) >= 2 and counts[page_of_total(pages)] >= 2, (filler, size, counts)


def test_a_table_that_would_leave_its_first_row_alone_at_the_foot_of_a_page_starts_on_the_next():
    # After 32 rows of a first table (7 + 33 x 6.767 + 7 = 237.3 mm) 24.7 mm are left: the second
    # table's heading, header and one row (20.5 mm) fit, two rows (27.3 mm) do not.
    first = ReportTable("Funding sources", ("Source", "Balance £"), rows_of("Source", 32))
    second = ReportTable("Per case", ("Case", "Cost £"), rows_of("Case", 10))
    pages = on_a_fresh_page(first, second)
    assert rows_per_page(pages, "Source") == [32, 0]
    assert rows_per_page(pages, "Case") == [0, 10]
    assert "Per case" not in pages[0]


def test_no_page_ever_holds_one_row_of_a_table_whatever_comes_before_it():
    for filler in range(26, 38):
        for size in (2, 3, 4, 37, 38, 73):
            first = ReportTable("Filler", ("Source", "Balance £"), rows_of("Source", filler))
            pages = on_a_fresh_page(first, ReportTable("Per case", ("Case", "Cost £"), rows_of("Case", size)))
            counts = [n for n in rows_per_page(pages, "Case") if n]
            assert sum(counts) == size and min(counts) >= 2, (filler, size, counts)
            assert all("Case Cost £" in page for page, n in zip(pages, rows_per_page(pages, "Case"), strict=True)
                       if n)


def test_the_page_plan_keeps_two_rows_on_every_page():
    ten = [10.0] * 7
    # room for the 5 mm header and 3 rows here, 4 rows on each new page: 3 + 4 would leave none alone
    assert plan_table_pages(ten, 5.0, 40.0, 50.0) == [(0, 3), (3, 7)]
    # 4 + 4 + 1 would leave one: the second page gives the last one more
    assert plan_table_pages([10.0] * 9, 5.0, 50.0, 50.0) == [(0, 4), (4, 7), (7, 9)]
    # nothing fits here: the first part is empty and the caller starts a new page
    assert plan_table_pages(ten, 5.0, 12.0, 50.0)[0] == (0, 0)
    assert not parts_hold_two_rows([(0, 1), (1, 7)], 7)
    assert parts_hold_two_rows([(0, 1)], 1)


# --- headline figures, histograms, balances ------------------------------------------------------


def test_headline_figures_are_printed_big_with_their_labels_and_details():
    figures = [Headline("Cost recovery", "87.3%", "income / cost"),
               Headline("Net variance", "£1,234.56", "favourable", tone="favourable"),
               Headline("Council budget", "-£300.00", "adverse", tone="adverse"),
               Headline("Cases open / closed", "12 / 40"), Headline("Utilisation", "71.2%")]
    data = render_report("Pack", "", [Headlines("Headlines", figures, period="FY2019/20 to 2020-01-31")])
    text = pdf_text(data)
    for piece in ("Cost recovery", "87.3%", "income / cost", "£1,234.56", "favourable", "-£300.00", "adverse",
                  "12 / 40", "71.2%", "FY2019/20 to 2020-01-31"):
        assert piece in text
    with pytest.raises(InvalidInput, match="favourable or adverse"):
        Headlines("x", [Headline("a", "1", tone="good")])
    with pytest.raises(InvalidInput, match="no figures"):
        Headlines("x", [])


def test_a_page_break_starts_the_next_section_on_a_new_page():
    pages = pdf_pages(render_report("Pack", "", [ReportNote("First."), PageBreak(), ReportNote("Second.")]))
    assert len(pages) == 2 and "First." in pages[0] and "Second." in pages[1]


def test_a_histogram_counts_values_in_round_bands():
    costs = [D("1200.00"), D("3000.00"), D("3499.99"), D("3500.00"), D("4100.00"), D("5900.00")]
    hist = Histogram.of("Full cost per case", costs, bands=5)
    # (5900 - 1200) / 5 = 940 -> bands of 1,000 from 1,000; 3,000.00 and 3,499.99 share one
    assert hist.bands == ("£1,000 to £2,000", "£2,000 to £3,000", "£3,000 to £4,000", "£4,000 to £5,000",
                          "£5,000 to £6,000")
    assert hist.counts == (1, 0, 3, 1, 1)
    assert band_edges([D(7), D(7)], 8) == [D(7), D(8)]
    text = pdf_text(chart_only_histogram(hist))
    assert "£3,000 to" in text and "cases" in text
    # one bar per band with a count, no legend key
    assert filled_rectangles(chart_only_histogram(hist)) == 4
    with pytest.raises(InvalidInput, match="no values"):
        Histogram.of("x", [])
    with pytest.raises(InvalidInput, match="whole numbers"):
        Histogram("x", ["a"], [-1])


def chart_only_histogram(hist: Histogram) -> bytes:
    return render_report("Chart", "", [hist], as_of=date(2020, 4, 30))


def bar_rectangles(data: bytes) -> list[tuple[float, float, float, float]]:
    """(x, y, w, h) in PDF points of each filled rectangle on page 1: fpdf2 gives the top edge as y
    (PDF y grows upwards) and a negative h, so the bottom edge is y + h."""
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    contents = page.get_contents()
    assert contents is not None
    return [tuple(float(n) for n in m.groups())  # type: ignore[misc]
            for m in re.finditer(rb"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re f\b", contents.get_data())]


def test_a_negative_balance_hangs_below_the_zero_line_and_a_positive_one_stands_on_it():
    chart = BarChart("Funding source balances", ["council budget", "schools forum / high-needs block"],
                     [("Balance", [D("-1500.00"), D("2500.00")])], value_labels=True)
    data = chart_only(chart)
    _legend, negative, positive = bar_rectangles(data)
    # The negative bar's top edge is the zero line and it runs down; the positive one stands on the
    # same line and runs up; they are drawn in proportion (1,500 : 2,500).
    neg_top, neg_bottom = negative[1], negative[1] + negative[3]
    pos_top, pos_bottom = positive[1], positive[1] + positive[3]
    assert abs(neg_top - pos_bottom) < 0.02 and neg_bottom < neg_top < pos_top
    assert abs((neg_top - neg_bottom) / (pos_top - pos_bottom) - 0.6) < 0.001
    text = pdf_text(data)
    assert "-£1,500" in text and "£2,500" in text
