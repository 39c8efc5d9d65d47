"""An invoice as a download: CSV (one row per line, then the totals) and a printable HTML page
(``templates/invoice.html``)."""

import csv
import io
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

FORMATS = ("json", "csv", "html")
CSV_HEADER = ("section", "subaccount", "service", "country_iso", "direction", "count", "quantity", "unit", "amount")
_templates = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
                         autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def as_csv(invoice: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    blank = ("",) * 4
    writer.writerow(("summary", "", "opening_balance", *blank, "", invoice["opening_balance"]))
    for service, amount in invoice["charges"].items():
        writer.writerow(("summary", "", f"charges_{service}", *blank, "", amount))
    writer.writerow(("summary", "", "total_charges", *blank, "", invoice["total_charges"]))
    writer.writerow(("summary", "", "total_credits", *blank, "", invoice["total_credits"]))
    writer.writerow(("summary", "", "closing_balance", *blank, "", invoice["closing_balance"]))
    for line in invoice["usage"]:
        writer.writerow(("usage", "", *(line[key] for key in CSV_HEADER[2:])))
    for credit in invoice["credits"]:
        writer.writerow(("credit", "", credit["type"], "", "", credit["count"], "", "", credit["amount"]))
    for sub in invoice["subaccounts"]:
        for line in sub["usage"]:
            writer.writerow(("subaccount", sub["auth_id"], *(line[key] for key in CSV_HEADER[2:])))
    return out.getvalue()


def as_html(invoice: dict[str, Any], name: str) -> str:
    return _templates.get_template("invoice.html").render(invoice=invoice, name=name)
