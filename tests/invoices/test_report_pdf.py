"""The manager's report pack: tables and bar charts, e.g. budget against actual by month (§9)."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pypdf
import pytest

from invoices.report_pdf import BarChart, ReportNote, ReportTable, nice_scale, render_report, tick_label
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
