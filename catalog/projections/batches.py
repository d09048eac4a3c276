"""Find a batch's rows by their ids, whatever the planner knows of the tenant."""

from __future__ import annotations


def of_tenant_by_id(row: str, *, key: str = "id", ids: str = "%(ids)s", tenant: str = "%(tenant)s") -> str:
    """Return the SQL condition: ``row``'s ``key`` is one of ``ids`` and its tenant is ``tenant``.

    The rows are found through their key (a unique index), and the tenant is then
    tested on each (``+ 0`` keeps it out of the index conditions). Offered the tenant
    too, the planner may pick one of the tenant's (tenant, ...) indexes and test the
    ids inside its range: with statistics that do not know a growing tenant yet (the
    projection of a large import) it scanned the tenant's whole (tenant, price, id)
    range for every batch, 36 ms per batch of 5,000 at the start of a 300,000-product
    import and 155 ms at its end: quadratic over the import. Through the key a batch
    reads its own rows only, however large the tenant.
    """
    return f"{row}.{key} = ANY({ids}::uuid[]) AND {row}.tenant_id + 0 = {tenant}"
