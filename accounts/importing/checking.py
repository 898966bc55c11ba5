"""Checking rows: each row's values mapped to choices and regions, rows joined into customers,
and the models' own validation; every problem lands on the cell that caused it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from accounts import regions, services, zones
from accounts.choices import DepartmentKind, Industry, industry_from_text
from accounts.importing import duplicates, writing
from accounts.importing.base import DUPLICATE, ERROR, Row, SheetCheck
from accounts.importing.columns import (
    CHOICE_COLUMNS,
    CONTACT_KEYS,
    CUSTOMER_COLUMNS,
    CUSTOMER_KEYS,
    NO,
    REGION_KEYS,
    YES,
)
from accounts.importing.reading import Table
from accounts.models import Contact, Customer, Department
from accounts.normalize import normalize_company_name, normalize_credit_code

# What the user may decide for a row that the importer takes for the same company as an earlier row.
MERGE, SEPARATE = "merge", "separate"
DECISIONS = (MERGE, SEPARATE)
SAME_COMPANY = "file_same_company"
# Fields in which such a row may differ and still be offered as the same company (not refused).
SAME_COMPANY_FIELDS = ("address", "notes")


# How two rows' values of one customer are compared; the first row's spelling is kept.
_SAME = {
    "name": lambda a, b: normalize_company_name(a) == normalize_company_name(b),
    "credit_code": lambda a, b: normalize_credit_code(a) == normalize_credit_code(b),
}


@dataclass
class CustomerRow(Row):
    customer_name: str = ""
    contact_name: str = ""
    credit_code: str = ""
    group: Group | None = None


@dataclass
class Group:
    """One customer of the file: its merged values and the rows they came from."""

    rows: list[CustomerRow]
    credit_code: str
    normalized_name: str
    core_name: str = ""
    separated: bool = False  # split off an earlier row of the same company at the user's request
    data: dict = field(default_factory=dict)
    # model field -> (row, header) that gave the value, so an error lands on that cell
    sources: dict[str, tuple[CustomerRow, str]] = field(default_factory=dict)
    owner: object = None
    contacts: list[tuple[CustomerRow, dict]] = field(default_factory=list)
    customer: Customer | None = None  # the unsaved customer the check validated; the write saves it


class Check(SheetCheck):
    """The customer file: rows joined into customers, checked with the models' own rules."""

    columns = CUSTOMER_COLUMNS

    def __init__(
        self,
        *,
        user,
        table: Table,
        filename: str,
        decisions: dict[int, str] | None = None,
        dry_run_report: dict | None = None,
    ):
        super().__init__(user=user, table=table, filename=filename)
        # row number -> MERGE or SEPARATE, for rows offered as the same company as an earlier row
        self.decisions = decisions or {}
        self.groups: list[Group] = []
        # A commit whose possible duplicates the user confirmed (they block nothing then) skips the similar-name
        # search, the slowest look-up, and reports the dry run's similar-name matches (row number -> entries);
        # the exact rules (credit code, name, contacts' mobile and e-mail) are checked again all the same.
        self.similar_from: dict[int, list[dict]] | None = None
        rows = (dry_run_report or {}).get("rows") or []
        decided = {entry["row"]: entry.get("decision") for entry in rows if entry.get("decision")}
        if rows and decided == {int(number): choice for number, choice in self.decisions.items() if choice}:
            self.similar_from = {
                entry["row"]: [item for item in entry["duplicates"] if item.get("reason") == "similar_name"]
                for entry in rows
            }

    @classmethod
    def commit_check_options(cls, *, dry_run_report: dict | None, options: dict) -> dict:
        # Confirmed possible duplicates block nothing: the commit then reuses the dry run's similar-name matches.
        return {"dry_run_report": dry_run_report} if options.get("confirm_duplicates") else {}

    # -- parsing ---------------------------------------------------------------------------------------------------

    def run(self) -> Check:
        by_code: dict[str, Group] = {}
        by_name: dict[str, Group] = {}
        for number, values in self.table.rows:
            row, cells = self._read_row(number, values)
            self.rows.append(row)
            self._place(row, cells, by_code, by_name)
        for group in self.groups:
            self._validate(group)
        duplicates.find_in_file(self)
        duplicates.find_in_database(self)
        return self

    def _read_row(self, number: int, values: list) -> tuple[CustomerRow, dict[str, str]]:
        row = CustomerRow(number=number)
        cells = self.read_cells(row, values)
        row.customer_name = cells.get("name", "")
        row.contact_name = cells.get("contact_name", "")
        return row, cells

    def _place(self, row: CustomerRow, cells: dict[str, str], by_code: dict, by_name: dict) -> None:
        """Join the row to its customer (same credit code, else same name) or start a new one."""
        code = normalize_credit_code(cells.get("credit_code", ""))
        name = normalize_company_name(cells.get("name", ""))
        group = by_code.get(code) if code else None
        if group is None and name and name in by_name:
            candidate = by_name[name]
            if not code or not candidate.credit_code:
                group = candidate
        row.credit_code = code
        if group is not None and self.decisions.get(row.number) == SEPARATE:
            if code and code == group.credit_code:
                row.add_error(
                    self.header("credit_code"),
                    _(
                        "Row %(row)d has the same unified social credit code: one company is one customer, "
                        "so this row can only be merged into it."
                    )
                    % {"row": group.rows[0].number},
                )
            else:
                group = Group(rows=[], credit_code=code, normalized_name=name, separated=True)
                self.groups.append(group)
        if group is None:
            group = Group(rows=[], credit_code=code, normalized_name=name)
            self.groups.append(group)
            if name:
                by_name.setdefault(name, group)
        if code and not group.credit_code:
            group.credit_code = code
        if code:
            by_code.setdefault(code, group)
        group.rows.append(row)
        row.group = group
        self._merge_customer(group, row, cells)
        contact = self._contact(row, cells)
        if contact is not None:
            group.contacts.append((row, contact))

    def _set(self, group: Group, row: CustomerRow, key: str, field_name: str, value, text: str) -> None:
        """Take a customer value from this row, unless an earlier row of the customer gave another one."""
        same = _SAME.get(field_name, lambda a, b: a == b)
        if field_name not in group.data:
            group.data[field_name] = value
            group.sources[field_name] = (row, self.header(key))
        elif not same(group.data[field_name], value):
            self._differs(row, self.header(key), group.sources[field_name][0], text, field_name)

    def _differs(self, row: CustomerRow, header: str, first_row: CustomerRow, text: str, field_name: str) -> None:
        """This row gives another value than an earlier row of the same customer.

        Merged at the user's request: the earlier row's value is kept. A different address or notes:
        offered as the same company, to merge or import separately. Anything else is an error."""
        if self.decisions.get(row.number) == MERGE:
            row.add_warning(
                header,
                _("Merged into the customer of row %(row)d, whose value is kept (this row: “%(value)s”).")
                % {"row": first_row.number, "value": text},
            )
        elif field_name in SAME_COMPANY_FIELDS:
            offer = next((d for d in row.duplicates if d["reason"] == SAME_COMPANY), None)
            if offer is None:
                same_code = bool(row.credit_code and row.credit_code == row.group.credit_code)
                offer = {
                    "reason": SAME_COMPANY,
                    "label": _(
                        "the same company as row %(row)d of this file, with a different address or notes: "
                        "merge it into that customer, or import it as a separate customer"
                    )
                    % {"row": first_row.number},
                    "row": first_row.number,
                    "choices": [MERGE] if same_code else list(DECISIONS),
                    "columns": [],
                }
                row.duplicates.append(offer)
            if header not in offer["columns"]:
                offer["columns"].append(header)
        else:
            row.add_error(
                header,
                _("Differs from row %(row)d of the same customer (“%(value)s”).")
                % {"row": first_row.number, "value": text},
            )

    def _merge_customer(self, group: Group, row: CustomerRow, cells: dict[str, str]) -> None:
        # The region first: a development zone in the district place moves into the address.
        self._merge_region(group, row, cells)
        for key in CUSTOMER_KEYS:
            text = cells.get(key, "")
            if not text:
                continue
            value = self._customer_value(row, key, text)
            if value is not None:
                self._set(group, row, key, key, value, text)
        owner_text = cells.get("owner", "")
        if owner_text:
            owner = self.owner_for(owner_text)
            if owner is None:
                row.add_error(
                    self.header("owner"),
                    _("“%(value)s” is not a user you can assign customers to.") % {"value": owner_text},
                )
            elif group.owner is None:
                group.owner = owner
                group.sources["owner"] = (row, self.header("owner"))
            elif group.owner != owner:
                self._differs(row, self.header("owner"), group.sources["owner"][0], owner_text, "owner")

    def _customer_value(self, row: CustomerRow, key: str, text: str):
        if key in CHOICE_COLUMNS:
            return self.choice(row, key, text)
        if key == "website" and "://" not in text:
            return f"https://{text}"  # people write www.example.com
        return text

    def read_choice(self, choices_cls, text: str) -> str | None:
        if choices_cls is Industry:
            return industry_from_text(text)  # also GB/T 4754 codes and division names
        return super().read_choice(choices_cls, text)

    def _merge_region(self, group: Group, row: CustomerRow, cells: dict[str, str]) -> None:
        region_text = cells.get("region", "")
        parts = [(key, cells.get(key, "")) for key in REGION_KEYS]
        if region_text:
            try:
                codes, zone = zones.parse(region_text)
            except ValueError as error:
                row.add_error(self.header("region"), error)
                return
            headers = [self.header("region")] * 3
        elif any(text for _key, text in parts):
            codes, headers, zone = self._separate_region(row, parts)
            if codes is None:
                return
        else:
            return
        if zone is not None:
            self._zone_found(row, cells, zone, headers[2])
        for key, code, header in zip(REGION_KEYS, codes, headers, strict=True):
            if key not in group.data:
                group.data[key] = code or ""
                group.sources[key] = (row, header)
            elif group.data[key] != (code or ""):
                text = region_text or " ".join(text for _k, text in parts)
                self._differs(row, header, group.sources[key][0], text, key)
                return

    def _separate_region(self, row: CustomerRow, parts: list[tuple[str, str]]):
        """省份 / 城市 / 区县 columns: codes as they are (the model validates them), names read level by level."""
        headers = [self.header(key) for key, _text in parts]
        given = [(key, text) for key, text in parts if text]
        if all(text.isdigit() and len(text) == 6 for _key, text in given):
            return tuple(text for _key, text in parts), headers, None
        names: list[str] = []
        codes: tuple = ("", "", "")
        zone = None
        for key, text in given:
            names.append((regions.name(text) or text) if text.isdigit() else text)
            try:
                codes, zone = zones.parse("-".join(names))
            except ValueError as error:
                row.add_error(self.header(key), error)
                return None, headers, None
        return codes, headers, zone

    def _zone_found(self, row: CustomerRow, cells: dict[str, str], zone: zones.Zone, header: str) -> None:
        """A development zone where the district belongs: its district if it has one, else only the city,
        with the zone's name kept at the start of the address. A warning either way, not an error."""
        if zone.district:
            row.add_warning(
                header,
                _("“%(zone)s” is a development zone, not a district; imported as its district %(district)s.")
                % {"zone": zone.text, "district": regions.name(zone.district)},
            )
            return
        address = cells.get("address", "")
        if zone.name not in address and zone.text not in address:
            cells["address"] = f"{zone.name} {address}".strip()
        row.add_warning(
            header,
            _(
                "“%(zone)s” is a development zone, not a district; imported with %(city)s and no district, "
                "and “%(name)s” is added to the address."
            )
            % {"zone": zone.text, "city": regions.full_name(zone.province, zone.city), "name": zone.name},
        )

    def _contact(self, row: CustomerRow, cells: dict[str, str]) -> dict | None:
        if not any(cells.get(key) for key in CONTACT_KEYS):
            return None
        contact: dict = {}
        for key, target in CONTACT_KEYS.items():
            text = cells.get(key, "")
            if not text:
                continue
            if key in CHOICE_COLUMNS:
                value = self.choice(row, key, text)
                if value is None:
                    continue
            elif key == "has_left":
                folded = text.casefold()
                if folded not in YES and folded not in NO:
                    row.add_error(self.header(key), _("Write 是 or 否, not “%(value)s”.") % {"value": text})
                    continue
                value = folded in YES
            else:
                value = text
            contact[target] = value
        return contact

    # -- validation: the models' own rules --------------------------------------------------------------------------

    def _validate(self, group: Group) -> None:
        if group.owner is None:
            group.owner = self.user
        first = group.rows[0]
        customer = Customer(owner=group.owner, **{k: v for k, v in group.data.items() if k in services.CUSTOMER_FIELDS})
        customer.normalize()
        group.customer = customer
        group.core_name = customer.core_name
        try:
            # As services.customer_create: uniqueness is the duplicate check's job.
            customer.full_clean(exclude=["owner", "team"], validate_constraints=False)
        except ValidationError as error:
            for field_name, messages in error.message_dict.items():
                row, header = group.sources.get(field_name, (first, self.header("name")))
                if field_name == NON_FIELD_ERRORS:
                    row, header = first, self.header("name")
                for message in messages:
                    row.add_error(header, message)
        for row, data in group.contacts:
            self._validate_contact(row, data)

    def _validate_contact(self, row: CustomerRow, data: dict) -> None:
        headers = {target: self.header(key) for key, target in CONTACT_KEYS.items()}
        contact = Contact(**{k: v for k, v in data.items() if k in services.CONTACT_FIELDS})
        raw_mobile = data.get("mobile", "")
        if raw_mobile:
            # Normalising keeps only digits, so "138-1234-abcd" would pass after it; check the typed text too.
            try:
                Contact._meta.get_field("mobile").run_validators(raw_mobile)
            except ValidationError as error:
                for message in error.messages:
                    row.add_error(headers["mobile"], message)
        contact.normalize()
        try:
            contact.full_clean(exclude=["customer", "department"])
        except ValidationError as error:
            for field_name, messages in error.message_dict.items():
                header = headers.get(field_name, headers["name"])
                if field_name == "mobile" and headers["mobile"] in row.errors:
                    continue
                for message in messages:
                    row.add_error(header, message)
        if data.get("department"):
            department = Department(name=data["department"], kind=data.get("department_kind") or DepartmentKind.OTHER)
            try:
                department.full_clean(exclude=["customer", "parent"], validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                for field_name, messages in error.message_dict.items():
                    header = headers["department_kind"] if field_name == "kind" else headers["department"]
                    for message in messages:
                        row.add_error(header, message)
        row.contact_name = contact.name
        data["_mobile"], data["_email"] = contact.mobile, contact.email

    # -- results ----------------------------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {
            **super().counts(),
            "customers": len(self.groups),
            "contacts": sum(len(group.contacts) for group in self.groups),
        }

    def blocked(self, *, confirm_duplicates: bool) -> bool:
        counts = self.counts()
        return bool(counts[ERROR] or (counts[DUPLICATE] and not confirm_duplicates))

    def row_entry(self, row: CustomerRow) -> dict:
        return {
            **super().row_entry(row),
            "customer_row": row.group.rows[0].number,
            "customer": row.customer_name,
            "contact": row.contact_name,
            "decision": self.decisions.get(row.number, ""),
        }

    # -- the commit -------------------------------------------------------------------------------------------------

    def units(self, *, confirm_duplicates: bool = False, **options):
        """The customers every row of which may be imported: no errors, and no possible duplicate unless
        ``confirm_duplicates``."""
        return [
            group
            for group in self.groups
            if all(not row.errors and (confirm_duplicates or not row.duplicates) for row in group.rows)
        ]

    def unit_rows(self, group: Group) -> list[CustomerRow]:
        return group.rows

    def write(self, units: list[Group], *, run=None, **options) -> list[int]:
        """Every customer with its departments and contacts in bulk, a batch at a time (history rows
        included): the check ran ``customer_create``'s validation and the duplicate rules on every row a
        moment ago, in this transaction, and the user confirmed what it found; an existing credit code
        is still refused by the database (the caller turns that into an error)."""
        return writing.customers_bulk_create(user=self.user, groups=units, run=run)
