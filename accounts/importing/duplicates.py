"""Duplicate look-ups for a whole file: against the database with the rules of
``accounts.selectors.find_duplicates`` (run in batches), and between the file's own rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from accounts.selectors import (
    DUPLICATE_LIMIT,
    MATCH_REASONS,
    customers_by,
    customers_by_contact,
    similar_customers,
    visible_customer_ids,
)

if TYPE_CHECKING:
    from accounts.importing.checking import Check


def find_in_database(check: Check) -> None:
    """Mark the rows whose customer or contact probably exists already (what the user may learn of it only)."""
    groups = check.groups
    codes = {g.credit_code for g in groups if g.credit_code}
    names = {g.normalized_name for g in groups if g.normalized_name}
    mobiles = {c["_mobile"] for g in groups for _r, c in g.contacts if c.get("_mobile")}
    emails = {c["_email"] for g in groups for _r, c in g.contacts if c.get("_email")}

    by_code = customers_by("credit_code", codes, reason="credit_code")
    by_name = customers_by("normalized_name", names, reason="name")
    by_mobile = customers_by_contact("mobile", mobiles, reason="contact_mobile")
    by_email = customers_by_contact("email", emails, reason="contact_email")
    # Similar names fill up to the limit after the exact matches, as in find_duplicates.
    exact = {
        index: {m.customer_id for m in (*by_code.get(g.credit_code, ()), *by_name.get(g.normalized_name, ()))}
        for index, g in enumerate(groups)
    }
    wanted = {
        index: group.data.get("name", "")
        for index, group in enumerate(groups)
        if group.normalized_name and len(exact[index]) < DUPLICATE_LIMIT
    }
    # With the dry run's similar-name matches (check.similar_from), they are reported below instead.
    similar = similar_customers(wanted, limit=DUPLICATE_LIMIT, exclude=exact) if check.similar_from is None else {}
    found = (by_code, by_name, by_mobile, by_email, similar)
    visible = visible_customer_ids(check.user, {m.customer_id for table in found for ms in table.values() for m in ms})

    def entry(match):
        item = {
            "reason": match.reason,
            "label": str(MATCH_REASONS[match.reason]),
            "owner": match.owner_name,
            "visible": match.customer_id in visible,
        }
        if match.customer_id in visible:
            item.update(customer_id=match.customer_id, customer=match.customer_name)
        return item

    for index, group in enumerate(groups):
        first = group.rows[0]
        for match in by_code.get(group.credit_code, []):
            row, header = group.sources.get("credit_code", (first, check.header("credit_code")))
            row.duplicates.append(entry(match))
            row.add_error(
                header,
                _("A customer with this unified social credit code already exists (owner: %(owner)s).")
                % {"owner": match.owner_name},
            )
        seen = {match.customer_id for match in by_code.get(group.credit_code, [])}
        similar_room = DUPLICATE_LIMIT - len(exact[index])
        for match in [*by_name.get(group.normalized_name, []), *similar.get(index, [])[:similar_room]]:
            if match.customer_id not in seen:
                seen.add(match.customer_id)
                first.duplicates.append(entry(match))
        if check.similar_from is not None and index in wanted:
            for item in check.similar_from.get(first.number, [])[: max(similar_room, 0)]:
                if item.get("customer_id") in seen:  # found again since, by name or credit code
                    continue
                if "customer_id" in item:  # a contact's mobile or e-mail may find it again below
                    seen.add(item["customer_id"])
                first.duplicates.append(item)
        for row, contact in group.contacts:
            for table, key in ((by_mobile, "_mobile"), (by_email, "_email")):
                for match in table.get(contact.get(key), []):
                    if match.customer_id not in seen:
                        seen.add(match.customer_id)
                        row.duplicates.append(entry(match))


def find_in_file(check: Check) -> None:
    """The same company or person twice in the file, as two customers."""
    first_by_name: dict = {}
    first_by_contact: dict = {}
    labels = {
        "name": _("same name as row %(row)d of this file"),
        "_mobile": _("a contact's mobile is also in row %(row)d of this file"),
        "_email": _("a contact's e-mail is also in row %(row)d of this file"),
    }
    for group in check.groups:
        if group.normalized_name:
            other = first_by_name.setdefault(group.normalized_name, group)
            if other is not group and not group.separated:
                number = other.rows[0].number
                group.rows[0].duplicates.append(
                    {"reason": "file_name", "label": labels["name"] % {"row": number}, "row": number}
                )
        for row, contact in group.contacts:
            for key in ("_mobile", "_email"):
                if not contact.get(key):
                    continue
                other_group, other_row = first_by_contact.setdefault((key, contact[key]), (group, row))
                if other_group is not group:
                    row.duplicates.append(
                        {
                            "reason": f"file{key}",
                            "label": labels[key] % {"row": other_row.number},
                            "row": other_row.number,
                        }
                    )
