"""Book sizes on the team page: each member's customers, open projects and overdue
next contacts. Those records live in higher apps, which register here (in
``AppConfig.ready``) one function that annotates a queryset of users, so the whole
member list stays one query however many members and columns there are."""

from collections.abc import Callable

# (attribute, label) of each figure, in the order the page shows them.
BOOK_COLUMNS: list[tuple[str, object]] = []
# Callables ``(users_queryset) -> users_queryset`` adding those attributes.
BOOK_ANNOTATIONS: list[Callable] = []


def register_book_sizes(annotate: Callable, columns: list[tuple[str, object]]) -> None:
    if annotate not in BOOK_ANNOTATIONS:
        BOOK_ANNOTATIONS.append(annotate)
        BOOK_COLUMNS.extend(columns)


def with_book_sizes(users):
    for annotate in BOOK_ANNOTATIONS:
        users = annotate(users)
    return users
