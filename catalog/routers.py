"""Route the read side to the "read" database alias and everything else to "default"."""

from typing import Any

READ_APP_LABEL = "catalog_read"


class ReadWriteRouter:
    """Keep the write model on "default" and the read model (app label catalog_read) on "read"."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        return "read" if model._meta.app_label == READ_APP_LABEL else "default"

    def db_for_write(self, model: type, **hints: Any) -> str:
        return "read" if model._meta.app_label == READ_APP_LABEL else "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        read1 = obj1._meta.app_label == READ_APP_LABEL
        read2 = obj2._meta.app_label == READ_APP_LABEL
        return read1 == read2

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return (db == "read") == (app_label == READ_APP_LABEL)
