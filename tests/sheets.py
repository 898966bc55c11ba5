"""Spreadsheets for the import tests (customers, projects): files as people upload them, downloads read back."""

import csv
import io

import openpyxl


def csv_file(rows, headers, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def template_csv(columns, rows: list[dict]) -> bytes:
    """A CSV of an import's template ``columns``, each row given as {column key: value}; the rest empty."""
    return csv_file([[row.get(column.key, "") for column in columns] for row in rows], [c.header for c in columns])


def xlsx_file(rows, headers) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV downloads start with a UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(content: bytes) -> list[list[str]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [["" if value is None else str(value) for value in values] for values in sheet.iter_rows(values_only=True)]


def named(content: bytes, name: str) -> io.BytesIO:
    """An upload: the bytes with a file name."""
    file = io.BytesIO(content)
    file.name = name
    return file


def page_download(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content) if response.streaming else response.content


# Every import's pages, for each persona, on an import ``rep`` uploaded: (persona, page, expected status).
# Only the uploader commits; their team's lead and admins read the report and its failed rows; nobody
# else learns the import exists.
IMPORT_PAGE_MATRIX = [
    ("rep", "detail", 200),
    ("lead", "detail", 200),
    ("other_rep", "detail", 404),
    ("outsider_rep", "detail", 404),
    ("other_lead", "detail", 404),
    ("admin", "detail", 200),
    (None, "detail", 302),
    ("rep", "commit", 302),
    ("lead", "commit", 403),
    ("admin", "commit", 403),
    ("other_rep", "commit", 404),
    ("outsider_rep", "commit", 404),
    (None, "commit", 302),
    ("lead", "failed-rows", 200),
    ("outsider_rep", "failed-rows", 404),
    (None, "start", 302),
    ("outsider_rep", "start", 200),
    (None, "template", 302),
    ("rep", "template", 200),
]


def import_page(client, *, start_url: str, pk: int, page: str):
    """Open (or, for ``commit``, post to) one page of the import ``pk`` under ``start_url``."""
    pages = {
        "detail": f"{start_url}{pk}/",
        "failed-rows": f"{start_url}{pk}/failed-rows/?format=csv",
        "start": start_url,
        "template": f"{start_url}template/?format=xlsx",
    }
    if page == "commit":
        return client.post(f"{start_url}{pk}/commit/")
    return client.get(pages[page])
