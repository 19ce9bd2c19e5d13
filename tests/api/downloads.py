"""The server's downloads opened by readers we did not write: every XLSX by openpyxl, every CSV
by Python's csv module under both documented dialects; their totals must equal the JSON views'.

Usage: downloads.py BASE COLEGIO_TOKEN PRESTADOR_TOKEN PROVIDER OBRA_SOCIAL_TOKEN OBRA_SOCIAL
(run by tests/api/run.sh against a `liquida serve` over a simulated month).
"""
import csv
import datetime
import io
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

import openpyxl

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAILED:", what, file=sys.stderr)


def get(base, token, path, method="GET", **query):
    url = base + path + ("?" + urllib.parse.urlencode(query) if query else "")
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, dict(res.headers), res.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def rows_json(base, token, path, **query):
    """Every row of a JSON listing, page by page."""
    rows, offset = [], 0
    while True:
        status, _, body = get(base, token, path, offset=offset, limit=5000, **query)
        assert status == 200, f"{path} {query}: HTTP {status} {body[:200]!r}"
        page = json.loads(body)
        rows += page["rows"]
        if "next_offset" not in page:
            return rows
        offset = page["next_offset"]


def download(base, token, path, fmt, name, dialect=None, **query):
    """The file and its name; checks the status, content type and Content-Disposition."""
    extra = {"dialect": dialect} if dialect else {}
    status, headers, body = get(base, token, path, format=fmt, **query, **extra)
    check(status == 200, f"{path} {fmt} {query}: HTTP {status} {body[:200]!r}")
    want = XLSX if fmt == "xlsx" else "text/csv; charset=utf-8"
    check(headers.get("Content-Type") == want, f"{path} {fmt}: Content-Type {headers.get('Content-Type')}")
    disposition = headers.get("Content-Disposition", "")
    m = re.fullmatch(r'attachment; filename="([A-Za-z0-9_-]+)\.(csv|xlsx)"', disposition)
    check(m is not None and m.group(1) == name and m.group(2) == fmt, f"{path} {fmt}: {disposition!r}, expected {name}.{fmt}")
    return body


def sheet_rows(ws):
    """The header and the rows of a detail sheet as dicts (header frozen, filters on)."""
    check(ws.freeze_panes == "A2", f"sheet {ws.title}: header not frozen ({ws.freeze_panes})")
    check(ws.auto_filter.ref is not None, f"sheet {ws.title}: no filters")
    values = list(ws.iter_rows(values_only=True))
    header = values[0]
    return [dict(zip(header, row)) for row in values[1:]]


def workbook(body, sheets):
    book = openpyxl.load_workbook(io.BytesIO(body))
    check(book.sheetnames == ["Resumen"] + sheets, f"sheets {book.sheetnames}, expected Resumen + {sheets}")
    summary = {row[0]: row[1] for row in book["Resumen"].iter_rows(min_row=2, values_only=True)}
    return book, summary


def pesos(cell, decimal_comma):
    """A CSV amount in pesos as centavos."""
    text = cell.replace(",", ".") if decimal_comma else cell
    check(re.fullmatch(r"-?\d+\.\d\d", text) is not None, f"amount {cell!r} is not pesos with 2 decimals")
    return round(float(text) * 100)


def csv_rows(body, dialect):
    """Rows of a CSV as dicts: UTF-8 with a BOM; ';' (ar) or ',' (plain)."""
    check(body.startswith(b"\xef\xbb\xbf"), "CSV without a byte order mark")
    text = body.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";" if dialect == "ar" else ",")
    return list(reader)


def centavos(value):
    """An XLSX amount (a number in pesos) as centavos."""
    check(isinstance(value, (int, float)), f"amount {value!r} is not a number")
    return round(value * 100)


def ties_out(book, summary, sheet, column, expected, what):
    """The detail sheet's column, the Resumen's line for it and the JSON agree."""
    detail = sum(centavos(r[column]) for r in sheet_rows(book[sheet]))
    check(detail == expected, f"{what}: {sheet} {column} sums {detail}, the JSON {expected}")
    line = summary.get(f"{sheet}: {column}")
    check(line is not None and centavos(line) == expected, f"{what}: Resumen '{sheet}: {column}' is {line}, the JSON {expected}")


def amount_format(book, sheet, column):
    ws = book[sheet]
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=header.index(column) + 1)
    check("#,##0.00" in cell.number_format, f"{sheet} {column}: number format {cell.number_format!r}")


def closed_month(base, token, period):
    """The last simulated month closed from the server (every event of the run is before its cut):
    its report, opened by openpyxl, ties out to the live views."""
    total = sum(r["total"] for r in rows_json(base, token, "/v1/views/settlement", period=period))
    validation = rows_json(base, token, "/v1/reports/validation", period=period)
    status, _, body = get(base, token, f"/v1/months/{period}/close", method="POST", force="true")
    check(status == 201, f"close {period}: HTTP {status} {body[:300]!r}")
    if status == 201:
        reports = {r["name"]: r["url"] for r in json.loads(body)["close"]["reports"]}
        status, headers, body = get(base, token, reports[f"report-{period}.xlsx"])
        check(status == 200 and headers.get("Content-Type") == XLSX, f"the close's workbook: HTTP {status}")
        book = openpyxl.load_workbook(io.BytesIO(body))
        check(book.sheetnames == ["Resumen", "Liquidacion por obra social", "Liquidacion por prestador", "Padron", "Pendientes",
                                  "Validacion A10", "Facturas F4"], f"the close's sheets: {book.sheetnames}")
        for sheet in ["Liquidacion por obra social", "Liquidacion por prestador"]:
            detail = sum(centavos(r["Total a facturar"]) for r in sheet_rows(book[sheet]))
            check(detail == total, f"the close's {sheet}: total {detail}, the live views {total}")
        summary = {row[0]: row[1] for row in book["Resumen"].iter_rows(min_row=2, values_only=True)}
        check(centavos(summary["Total a facturar"]) == total, "the close's Resumen: total")
        check(len(sheet_rows(book["Validacion A10"])) == len(validation), "the close's A10: row count")


def colegio(base, token):
    periods = sorted(r["period"] for r in rows_json(base, token, "/v1/views/settlement", group="period"))
    check(len(periods) > 0, "no settled period in the simulated months")
    period = periods[0]

    # Settlement: per obra social and per provider, each level adding up to the JSON's total.
    settlement = rows_json(base, token, "/v1/views/settlement", period=period)
    total = sum(r["total"] for r in settlement)
    collected = sum(r["collected"] for r in settlement)
    check(total > 0, "the settlement has nothing to bill")
    book, summary = workbook(download(base, token, "/v1/views/settlement", "xlsx", f"liquidacion-{period}", period=period),
                             ["Liquidacion por obra social", "Liquidacion por prestador"])
    for sheet in ["Liquidacion por obra social", "Liquidacion por prestador"]:
        ties_out(book, summary, sheet, "Total a facturar", total, "settlement")
        ties_out(book, summary, sheet, "Cobrado", collected, "settlement")
    amount_format(book, "Liquidacion por prestador", "Total a facturar")
    providers = sheet_rows(book["Liquidacion por prestador"])
    check(len(providers) == len(settlement), f"settlement: {len(providers)} provider rows, the JSON {len(settlement)}")
    check(all(r["Razon social"] and re.fullmatch(r"\d{11}", r["CUIT"] or "") for r in providers), "settlement: a provider without its name or CUIT")
    for dialect, comma in [("ar", True), ("plain", False)]:
        lines = csv_rows(download(base, token, "/v1/views/settlement", "csv", f"liquidacion-{period}", dialect, period=period), dialect)
        check(sum(pesos(r["Total a facturar"], comma) for r in lines) == total, f"settlement CSV ({dialect}): total")
        lines = csv_rows(download(base, token, "/v1/views/settlement", "csv", f"liquidacion-por-obra-social-{period}", dialect,
                                  period=period, group="obra_social"), dialect)
        check(sum(pesos(r["Total a facturar"], comma) for r in lines) == total, f"settlement CSV per obra social ({dialect}): total")

    # Invoices: amounts and balances, dates as dates.
    invoices = rows_json(base, token, "/v1/views/invoices", period=period)
    check(len(invoices) > 0, "no invoice in the period")
    book, summary = workbook(download(base, token, "/v1/views/invoices", "xlsx", f"facturas-{period}", period=period), ["Facturas F4"])
    ties_out(book, summary, "Facturas F4", "Importe", sum(r["amount"] for r in invoices), "invoices")
    ties_out(book, summary, "Facturas F4", "Saldo", sum(r["outstanding"] for r in invoices), "invoices")
    detail = sheet_rows(book["Facturas F4"])
    check(len(detail) == len(invoices), f"invoices: {len(detail)} rows, the JSON {len(invoices)}")
    # F4 as the insurer words it; a cancelled invoice owes nothing.
    check(any(r["Estado"] == "Comprobante Cancelado" for r in detail), "invoices: none cancelled in the period")
    check(all(r["Saldo"] == 0 for r in detail if r["Estado"] == "Comprobante Cancelado"), "invoices: a cancelled one with a Saldo")
    check({r["Estado"] for r in detail} <= {"Comprobante en proceso de liquidación", "Factura disponible para el pago", "Comprobante Cancelado",
                                            "Comprobante observado", "Comprobante rechazado", "Comprobante cargado"}, "invoices: a state not as F4 words it")
    received = [r["Recepcion"] for r in detail if r["Recepcion"] is not None]
    check(received and all(isinstance(d, datetime.datetime) for d in received), "invoices: Recepcion is not a date")
    check(summary.get("Facturas F4: filas") == len(invoices), "invoices: Resumen row count")
    lines = csv_rows(download(base, token, "/v1/views/invoices", "csv", f"facturas-{period}", "plain", period=period), "plain")
    check(sum(pesos(r["Importe"], False) for r in lines) == sum(r["amount"] for r in invoices), "invoices CSV: amount")

    # Padrón, pending, validation: one row per JSON row.
    padron = rows_json(base, token, "/v1/views/padron")
    book, _ = workbook(download(base, token, "/v1/views/padron", "xlsx", f"padron-{padron_day(base, token)}"), ["Padron"])
    detail = sheet_rows(book["Padron"])
    check(sorted(r["Prestador"] for r in detail) == sorted(r["provider"] for r in padron), "padrón: providers differ from the JSON")
    pending = rows_json(base, token, "/v1/views/pending")
    book, _ = workbook(download(base, token, "/v1/views/pending", "xlsx", "pendientes"), ["Pendientes"])
    check(len(sheet_rows(book["Pendientes"])) == len(pending), "pending: row count")
    validation = rows_json(base, token, "/v1/reports/validation", period=period)
    lines = csv_rows(download(base, token, "/v1/reports/validation", "csv", f"validacion-{period}", period=period), "ar")
    check(len(lines) == len(validation), f"validation: {len(lines)} CSV rows, the JSON {len(validation)}")
    check(all(r["Obra social"] and r["Nombre obra social"] for r in lines), "validation: a row without its obra social")
    book, _ = workbook(download(base, token, "/v1/reports/validation", "xlsx", f"validacion-{period}", period=period), ["Validacion A10"])
    detail = sheet_rows(book["Validacion A10"])
    check(len(detail) == len(validation), "validation XLSX: row count")
    check(all(isinstance(r["Fecha de orden"], datetime.datetime) for r in detail), "validation XLSX: Fecha de orden is not a date")
    # SanCor's sheet prints each affiliate's name and plan (its configuration requires both).
    sancor = [r for r in detail if r["Obra social"] == "sancor"]
    check(bool(sancor) and all(r["Apellido y nombre del afiliado"] and r["Plan"] for r in sancor), "validation XLSX: a SanCor row without name or plan")

    # Payouts: what is due per provider, with the CBU it goes to.
    payouts = rows_json(base, token, "/v1/views/payouts", period=period)
    check(sum(p["collected"] for p in payouts) == collected, "payouts: collected differs from the settlement")
    book, summary = workbook(download(base, token, "/v1/views/payouts", "xlsx", f"pagos-prestadores-{period}", period=period),
                             ["Pagos a prestadores"])
    ties_out(book, summary, "Pagos a prestadores", "A transferir", sum(p["due"] for p in payouts), "payouts")
    check(all(re.fullmatch(r"\d{22}", r["CBU"] or "") for r in sheet_rows(book["Pagos a prestadores"])), "payouts: a row without a CBU")

    # Debits and retentions: one row each, adding up to the invoices' and the settlement's.
    debits = rows_json(base, token, "/v1/views/debits", period=period)
    check(sum(d["amount"] for d in debits) == sum(r["debited"] for r in settlement), "debits: amounts differ from the settlement's")
    book, summary = workbook(download(base, token, "/v1/views/debits", "xlsx", f"debitos-{period}", period=period), ["Debitos"])
    ties_out(book, summary, "Debitos", "Importe", sum(d["amount"] for d in debits), "debits")
    check(all(d["reason_code"] and d["reason"] for d in debits), "debits: a debit without its reason and description")
    lines = csv_rows(download(base, token, "/v1/views/debits", "csv", f"debitos-{period}", "plain", period=period), "plain")
    check(sorted(r["Descripcion del motivo"] for r in lines) == sorted(d["reason"] for d in debits), "debits CSV: descriptions")

    # Payment orders: a line per invoice paid, adding up to what the settlement collected.
    orders = rows_json(base, token, "/v1/views/payment-orders", period=period)
    paid = sum(o["amount"] for o in orders)
    check(paid > 0 and paid == collected, f"payment orders: {paid} paid, the settlement collected {collected}")
    book, summary = workbook(download(base, token, "/v1/views/payment-orders", "xlsx", f"ordenes-de-pago-{period}", period=period),
                             ["Ordenes de pago"])
    ties_out(book, summary, "Ordenes de pago", "Importe pagado", paid, "payment orders")
    detail = sheet_rows(book["Ordenes de pago"])
    check(all(isinstance(r["Fecha de pago"], datetime.datetime) and r["Nro comprobante orden"] and r["Comprobante"] == "APB" and r["Retenciones"]
              for r in detail), "payment orders: a line without its kind, number, date or retention certificate")
    retentions = rows_json(base, token, "/v1/views/retentions", period=period)
    retained = sum(r["retained"] for r in settlement)
    check(retained > 0 and sum(r["amount"] for r in retentions) == retained, "retentions: amounts differ from the settlement's")
    lines = csv_rows(download(base, token, "/v1/views/retentions", "csv", f"retenciones-{period}", period=period), "ar")
    check(sum(pesos(r["Importe"], True) for r in lines) == retained, "retentions CSV: amount")
    check({r["Retencion"] for r in lines} <= {"Cuota del colegio", "IIBB", "Ganancias", "IVA", "Otras"}, "retentions: kinds not in Spanish")

    # The colegio's presentations of the period (F6): the file ties out to the JSON.
    presentations = rows_json(base, token, "/v1/views/presentations", period=period)
    check(len(presentations) > 0, f"no presentation of {period}")
    check(all(p["difference"] == p["amount"] - p["approved"] and p["outstanding"] == p["amount"] - p["debited"] - p["paid"]
              for p in presentations), "presentations: difference or outstanding do not add up")
    book, summary = workbook(download(base, token, "/v1/views/presentations", "xlsx", f"presentaciones-colegio-{period}", period=period),
                             ["Presentaciones del colegio"])
    ties_out(book, summary, "Presentaciones del colegio", "Importe", sum(p["amount"] for p in presentations), "presentations")
    amount_format(book, "Presentaciones del colegio", "Saldo")

    closed_month(base, token, periods[-1])

    # Formats a listing does not offer.
    for path, query in [("/v1/views/invoices", {"format": "pdf"}), ("/v1/views/settlement", {"format": "xlsx", "group": "period"})]:
        status, _, body = get(base, token, path, **query)
        check(status == 406 and json.loads(body)["error"]["code"] == "request.format_not_offered", f"{path} {query}: HTTP {status}")
    return period


def padron_day(base, token):
    """The server's today, as the padrón's file name carries it."""
    status, _, body = get(base, token, "/v1/views/padron", limit=1)
    return json.loads(body)["as_of"]


def prestador(base, token, provider, period):
    day = f"{period}-01"
    book, _ = workbook(download(base, token, "/v1/reports/authorizations", "xlsx", f"autorizaciones-{provider}-{day}-{period}-28",
                                **{"from": day, "to": f"{period}-28", "order": "importe"}), ["Autorizaciones A9"])
    amounts = [centavos(r["Importe total"]) for r in sheet_rows(book["Autorizaciones A9"])]
    check(amounts == sorted(amounts), "A9 by importe: not in order")
    check(len(amounts) == len(rows_json(base, token, "/v1/reports/authorizations", **{"from": day, "to": f"{period}-28"})), "A9: row count")
    lines = csv_rows(download(base, token, "/v1/reports/submissions", "csv", f"presentaciones-{provider}", "plain"), "plain")
    check(all(r["Tipo"] in ("Nota de credito", "Refacturacion") for r in lines), "F5: a kind not in Spanish")
    book, _ = workbook(download(base, token, "/v1/views/payouts", "xlsx", f"pagos-prestadores-{period}-{provider}", period=period),
                       ["Pagos a prestadores"])
    check({r["Prestador"] for r in sheet_rows(book["Pagos a prestadores"])} <= {int(provider)}, "prestador: another provider's payout")
    lines = csv_rows(download(base, token, "/v1/views/settlement", "csv", f"liquidacion-{period}-{provider}", period=period), "ar")
    check({r["Prestador"] for r in lines} <= {provider}, "prestador: another provider's settlement")


def obra_social(base, token, os, period):
    for path in ["/v1/views/payouts", "/v1/views/retentions"]:
        status, _, _ = get(base, token, path, period=period, format="xlsx")
        check(status == 403, f"obra social: {path} answered {status}")
    book, _ = workbook(download(base, token, "/v1/views/invoices", "xlsx", f"facturas-{period}-{os}", period=period), ["Facturas F4"])
    check({r["Obra social"] for r in sheet_rows(book["Facturas F4"])} <= {os}, "obra social: another obra social's invoice")
    lines = csv_rows(download(base, token, "/v1/views/payment-orders", "csv", f"ordenes-de-pago-{period}-{os}", period=period), "ar")
    check({r["Obra social"] for r in lines} <= {os}, "obra social: another obra social's payment order")


def main():
    base, colegio_token, prestador_token, provider, os_token, os = sys.argv[1:7]
    period = colegio(base, colegio_token)
    prestador(base, prestador_token, provider, period)
    obra_social(base, os_token, os, period)
    if failures:
        print(f"FAILED: {len(failures)} checks", file=sys.stderr)
        sys.exit(1)
    print(f"downloads: every XLSX and CSV opened by openpyxl and csv and tied out to the JSON views (period {period})")


if __name__ == "__main__":
    main()
