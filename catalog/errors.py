"""Validation messages with stable texts, so tests and API clients can rely on them."""

SKU_DUPLICATE = "A product with this SKU already exists in this tenant."
PRICE_NOT_POSITIVE = "Price must be greater than 0."
SALE_PRICE_NOT_POSITIVE = "Sale price must be greater than 0."
SALE_PRICE_ABOVE_PRICE = "Sale price must not be above the price."
STOCK_NEGATIVE = "Stock quantity must be 0 or more."
CURRENCY_INVALID = "Currency must be a three-letter ISO 4217 code in capitals, e.g. EUR."
BRAND_OTHER_TENANT = "The brand belongs to another tenant."
CATEGORY_OTHER_TENANT = "Category {ids} belongs to another tenant or does not exist."
CATEGORY_PARENT_OTHER_TENANT = "The parent category belongs to another tenant."
CATEGORY_PARENT_CYCLE = "A category cannot be moved under itself or one of its subcategories."
CATEGORY_SLUG_DUPLICATE = "A category with this slug already exists under the same parent."
BRAND_DUPLICATE = "A brand with this name already exists in this tenant."
TRANSLATION_LOCALE_UNKNOWN = "Unknown locale {locale!r}; allowed: {allowed}."
TRANSLATION_SHAPE = "Each translation must be an object with a 'name' and an optional 'description'."
TRANSLATION_NAME_TOO_LONG = "Translated name for {locale!r} has more than 255 characters."
ATTRIBUTES_NOT_OBJECT = "Attributes must be a JSON object of names to values."
TAGS_INVALID = "Tags must be a list of non-empty texts of at most 50 characters."
VERSION_CONFLICT = "The product is at version {actual}, not the expected version {expected}."
UNKNOWN_FIELD = "Unknown field."


class VersionConflict(Exception):
    """The client expected another version of the aggregate than the stored one."""

    def __init__(self, *, expected: int, actual: int) -> None:
        self.expected, self.actual = expected, actual
        super().__init__(VERSION_CONFLICT.format(expected=expected, actual=actual))
