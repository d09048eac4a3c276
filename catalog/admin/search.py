"""Substring search the trigram indexes can serve."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import F, Lookup, Q, QuerySet
from django.utils.text import smart_split, unescape_string_literal


class ILike(Lookup):
    """``column ILIKE pattern``; not registered on any field, used as a filter expression.

    Django's ``icontains`` compiles to ``UPPER(col) LIKE UPPER(%s)`` on PostgreSQL,
    which a ``gin_trgm_ops`` index on the bare column cannot serve; ILIKE can.
    """

    lookup_name = "ilike"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


def substring_search(queryset: QuerySet, term: str, fields: Sequence[str]) -> QuerySet:
    """Keep rows where every word of ``term`` occurs in one of ``fields``, ignoring case.

    Words split like the admin's own search ("quoted phrases" stay whole).
    """
    for word in smart_split(term):
        if word[:1] in {'"', "'"} and word[-1:] == word[:1]:
            word = unescape_string_literal(word)
        if not word:
            continue
        pattern = f"%{connections[queryset.db].ops.prep_for_like_query(word)}%"
        matches = Q()
        for field in fields:
            matches |= Q(ILike(F(field), pattern))
        queryset = queryset.filter(matches)
    return queryset
